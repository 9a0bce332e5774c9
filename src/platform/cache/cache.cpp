// Cache-aside on Redis: the read, the guarded fill and the invalidation.
#include "platform/cache/cache.h"

#include <random>

#include "platform/cache/metrics.h"

namespace tenantry::cache {
namespace {

// An entry is "<version>|<encoded value>" under its key; next to it,
// "<key>:gen" counts the entry's invalidations. A reader notes the
// generation it saw with its miss; its fill is refused if an invalidation
// came in between (it read PostgreSQL before the change committed), or if
// a newer release has filled the entry with a newer version.
// KEYS: entry, generation. ARGV: generation seen, version, value, TTL ms.
const redis::Script kFill(R"lua(
local gen = redis.call('GET', KEYS[2]) or ''
if gen ~= ARGV[1] then return 0 end
local current = redis.call('GET', KEYS[1])
if current then
  local v = tonumber(string.match(current, '^(%d+)|'))
  if v and v > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1
)lua");

// KEYS: entry, generation. ARGV: how long the generation outlives any load.
const redis::Script kInvalidate(R"lua(
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
)lua");

}  // namespace

struct Cache::Lookup {
  bool reachable = false;            // Redis answered
  std::optional<std::string> value;  // an entry of this version
  std::string generation;            // "" when the entry was never invalidated
};

struct Cache::Counters {
  Counters(prometheus::Registry& registry, std::string name) : kind(std::move(name)) {
    auto& requests = metrics::counter_family(registry, kRequests);
    auto& invalidations = metrics::counter_family(registry, kInvalidations);
    hit = &requests.Add({{"kind", kind}, {"result", "hit"}});
    miss = &requests.Add({{"kind", kind}, {"result", "miss"}});
    bypass = &requests.Add({{"kind", kind}, {"result", "bypass"}});
    loads = &metrics::counter_family(registry, kLoads).Add({{"kind", kind}});
    invalidated = &invalidations.Add({{"kind", kind}, {"result", "ok"}});
    invalidation_failed = &invalidations.Add({{"kind", kind}, {"result", "failed"}});
  }
  std::string kind;
  prometheus::Counter *hit, *miss, *bypass, *loads, *invalidated, *invalidation_failed;
};

Cache::Cache(redis::Client& redis, CacheConfig config, std::vector<std::string> kinds,
             prometheus::Registry& registry, base::Logger& logger)
    : redis_(redis), config_(config), logger_(logger) {
  for (auto& kind : kinds) counters_.push_back(std::make_unique<Counters>(registry, kind));
}

Cache::~Cache() = default;

Cache::Counters& Cache::counters(std::string_view kind) {
  for (auto& c : counters_) {
    if (c->kind == kind) return *c;
  }
  throw std::logic_error("cache kind '" + std::string(kind) + "' was not declared to the Cache");
}

TenantCache Cache::for_request(const tenancy::Principal& principal) {
  return TenantCache(*this, principal.tenant);
}

// The tenant id (fixed length, a hash tag so that an entry and its
// generation share a Redis Cluster slot) comes first; kind names hold no
// ':', so no id can make one tenant's key another's.
std::string Cache::key(const tenancy::TenantId& tenant, std::string_view kind,
                       std::string_view id) {
  std::string key = "c:{" + tenant.str() + "}:";
  key.append(kind).append(":").append(id);
  return key;
}

std::chrono::milliseconds Cache::jittered_ttl() const {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> factor(1 - config_.ttl_jitter, 1 + config_.ttl_jitter);
  auto ms = static_cast<long long>(static_cast<double>(config_.ttl.count()) * factor(random));
  return std::chrono::milliseconds(std::max(1LL, ms));
}

boost::asio::awaitable<Cache::Lookup> Cache::look_up(const std::string& key, int version) {
  std::vector<std::string> args{"MGET", key, key + ":gen"};
  auto reply = co_await redis_.command(std::move(args));
  Lookup lookup;
  if (!reply || !reply->is_array() || reply->size() != 2) co_return lookup;
  lookup.reachable = true;
  auto gen = (*reply)[1];
  if (!gen.is_nil()) lookup.generation = std::string(gen.text());
  auto entry = (*reply)[0];
  if (entry.is_nil()) co_return lookup;
  auto text = entry.text();
  auto bar = text.find('|');
  if (bar != std::string_view::npos && text.substr(0, bar) == std::to_string(version))
    lookup.value = std::string(text.substr(bar + 1));
  co_return lookup;
}

boost::asio::awaitable<void> Cache::fill(const std::string& key, int version,
                                         const std::string& generation, const std::string& value) {
  std::vector<std::string> keys{key, key + ":gen"};
  std::vector<std::string> args{generation, std::to_string(version), value,
                                std::to_string(jittered_ttl().count())};
  co_await redis_.eval(kFill, std::move(keys), std::move(args));
  // A fill that fails leaves a miss: the next reader loads again.
}

boost::asio::awaitable<Cache::Encoded> Cache::get(std::string key, int version,
                                                  std::string_view kind, Loader<std::string> load) {
  auto& counted = counters(kind);
  auto first = co_await look_up(key, version);
  if (first.value) {
    counted.hit->Increment();
    co_return std::move(*first.value);
  }
  (first.reachable ? counted.miss : counted.bypass)->Increment();
  SingleFlight::Work work = [&]() -> boost::asio::awaitable<Encoded> {
    // Looked up again inside the flight: a flight that starts just after
    // another landed finds its fill instead of loading a second time.
    auto lookup = co_await look_up(key, version);
    if (lookup.value) co_return std::move(*lookup.value);
    counted.loads->Increment();
    auto loaded = co_await load();
    if (loaded && lookup.reachable) co_await fill(key, version, lookup.generation, *loaded);
    co_return loaded;
  };
  co_return co_await flights_.run(key, work, config_.wait_timeout);
}

boost::asio::awaitable<void> Cache::invalidate(std::string key, std::string_view kind) {
  auto& counted = counters(kind);
  std::vector<std::string> keys{key, key + ":gen"};
  // The generation must outlive every load that could have read before the
  // change: far longer than any statement may run.
  auto keep = std::max(config_.ttl * 2, std::chrono::milliseconds(600'000));
  std::vector<std::string> args{std::to_string(keep.count())};
  auto done = co_await redis_.eval(kInvalidate, std::move(keys), std::move(args));
  if (done && !done->is_error()) {
    counted.invalidated->Increment();
    co_return;
  }
  counted.invalidation_failed->Increment();
  logger_.warn("cache invalidation failed; the entry expires within its TTL",
               {{"kind", std::string(kind)},
                {"error", done ? std::string(done->text()) : done.error().message}});
}

}  // namespace tenantry::cache
