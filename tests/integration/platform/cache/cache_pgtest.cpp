// The tenant-scoped cache on a real Redis, loading from a real PostgreSQL:
// one tenant's handle cannot name another's entries, identical ids of two
// tenants never meet, a hot key that expires under 200 concurrent requests
// costs one PostgreSQL read, invalidation after commit beats a racing
// fill, other versions are never decoded, and without Redis every read
// still gets the truth.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <set>
#include <thread>

#include "platform/cache/cache.h"
#include "support/coro.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

namespace asio = boost::asio;
using cache::Kind;
using cache::Loader;
using cache::TenantCache;
using namespace std::chrono_literals;

const auto kTenantA = *tenancy::TenantId::parse("00000000-0000-4000-8000-00000000000a");
const auto kTenantB = *tenancy::TenantId::parse("00000000-0000-4000-8000-00000000000b");

std::string identity(const std::string& s) { return s; }
std::optional<std::string> accept(std::string_view s) { return std::string(s); }
const Kind<std::string> kName{"name", 1, identity, accept};
const Kind<std::string> kNameV2{"name", 2, identity, accept};

// A handle is made only by the Cache, from a principal; nothing takes a
// tenant id besides. An id is a string after the tenant's own prefix.
template <typename Id>
concept ReadableBy = requires(TenantCache& handle, Id id, Loader<std::string> load) {
  handle.get(kName, id, load);
};
template <typename From>
concept HandleFrom = requires(cache::Cache& cache, From from) {
  cache.for_request(from);
};
static_assert(ReadableBy<std::string> && !ReadableBy<tenancy::TenantId>);
static_assert(HandleFrom<tenancy::Principal> && !HandleFrom<tenancy::TenantId>);
static_assert(!std::is_constructible_v<TenantCache, cache::Cache&, tenancy::TenantId>);
static_assert(!std::is_constructible_v<TenantCache, tenancy::TenantId>);

tenancy::Principal principal(const tenancy::TenantId& tenant) { return {"user-1", tenant, {}}; }

db::PoolConfig pool_config(const std::string& url) {
  db::PoolConfig config;
  config.connection.url = url;
  config.max_size = 4;
  config.acquire_timeout = 2s;
  return config;
}

redis::ClientConfig redis_config(const std::string& url) {
  redis::ClientConfig config;
  config.concern = "cache";
  config.endpoint = redis::parse_url("REDIS_URL", url);
  return config;
}

class CacheTest : public ::testing::Test {
 protected:
  CacheTest() {
    pg_.migrate();
    auto seeded = run([this]() -> asio::awaitable<db::Result<void>> {
      auto tx = co_await db::SystemTransaction::begin(system_);
      if (!tx) co_return tx.error();
      for (auto* tenant : {&kTenantA, &kTenantB}) {
        auto slug = "tenant-" + tenant->str().substr(35);
        if (auto r = co_await tx->query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)",
                                        *tenant, slug);
            !r)
          co_return r.error();
      }
      co_return co_await tx->commit();
    }());
    if (!seeded) throw std::runtime_error("seeding failed: " + seeded.error().message);
  }

  template <typename T>
  T run(asio::awaitable<T> op) {
    return run_coro(context_, std::move(op));
  }

  // The tenant's name from PostgreSQL: one read, counted.
  Loader<std::string> name_from_postgres(const tenancy::TenantId& tenant) {
    return [this, tenant]() -> asio::awaitable<db::Result<std::string>> {
      ++postgres_reads_;
      auto rows = co_await database_.tenant_query(tenant, db::Access::kReadOnly,
                                                  "SELECT name FROM tenants WHERE id = $1", tenant);
      if (!rows) co_return rows.error();
      co_return (*rows)[0][0].as<std::string>();
    };
  }
  static Loader<std::string> value(std::string v, int* calls = nullptr) {
    return [v, calls]() -> asio::awaitable<db::Result<std::string>> {
      if (calls) ++*calls;
      co_return v;
    };
  }
  std::string get(cache::Cache& cache, const tenancy::TenantId& tenant,
                  const Kind<std::string>& kind, const std::string& id, Loader<std::string> load) {
    auto p = principal(tenant);
    auto got = run(cache.for_request(p).get(kind, id, load));
    EXPECT_TRUE(got) << got.error().message;
    return got ? *got : "";
  }
  redis::Reply redis_command(std::vector<std::string> args) {
    auto reply = run(redis_client_.command(std::move(args)));
    if (!reply) throw std::runtime_error("redis: " + reply.error().message);
    return *reply;
  }
  // A writer: the change, the commit, then the invalidation.
  asio::awaitable<db::Result<void>> renamed(tenancy::TenantId tenant, std::string name,
                                            bool invalidate) {
    // Tenant rows are written by the platform role only (migration 0009).
    auto tx = co_await platform_database_.tenant_transaction(tenant);
    if (!tx) co_return tx.error();
    auto updated = co_await tx->query("UPDATE tenants SET name = $2 WHERE id = $1", tenant, name);
    if (!updated) co_return updated.error();
    auto committed = co_await tx->commit();
    if (committed && invalidate) co_await cache_.invalidate_after_commit(*tx, kName, "self");
    co_return committed;
  }
  void rename(const tenancy::TenantId& tenant, const std::string& name, bool invalidate = true) {
    auto done = run(renamed(tenant, name, invalidate));
    ASSERT_TRUE(done) << done.error().message;
  }
  double metric(const std::string& name, const std::string& result) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        bool match = result.empty();
        for (const auto& label : m.label) match |= label.name == "result" && label.value == result;
        if (match) return m.counter.value;
      }
    }
    return 0;
  }

  PostgresServer pg_;
  RedisServer redis_;
  asio::io_context context_;
  asio::io_context context2_;
  asio::io_context* contexts_[2] = {&context_, &context2_};
  prometheus::Registry registry_;
  db::PoolMetrics app_metrics_{registry_, "primary"};
  db::PoolMetrics system_metrics_{registry_, "system"};
  db::Pool app_{pool_config(pg_.url()), contexts_, app_metrics_};
  db::Pool system_{pool_config(pg_.system_url()), std::span(contexts_, 1), system_metrics_};
  db::Database database_{app_};
  db::PoolMetrics platform_metrics_{registry_, "platform"};
  db::Pool platform_{pool_config(pg_.platform_url()), contexts_, platform_metrics_};
  db::Database platform_database_{platform_};
  base::Logger logger_{"test", base::LogLevel::kError, std::tmpfile()};
  redis::Client redis_client_{redis_config(redis_.url()), contexts_, logger_};
  cache::Cache cache_{redis_client_, {}, {"name"}, registry_, logger_};
  std::atomic<int> postgres_reads_{0};
};

TEST_F(CacheTest, TwoTenantsWithTheSameIdNeverSeeEachOthersValues) {
  EXPECT_EQ(get(cache_, kTenantA, kName, "same-id", value("a's value")), "a's value");
  EXPECT_EQ(get(cache_, kTenantB, kName, "same-id", value("b's value")), "b's value");
  int loads = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(get(cache_, kTenantA, kName, "same-id", value("reloaded", &loads)), "a's value");
    EXPECT_EQ(get(cache_, kTenantB, kName, "same-id", value("reloaded", &loads)), "b's value");
  }
  EXPECT_EQ(loads, 0);  // both served from Redis, each from its own entry
  // An id that looks like another tenant's key stays inside the caller's prefix.
  auto forged = "x:c:{" + kTenantB.str() + "}:name:same-id";
  EXPECT_EQ(get(cache_, kTenantA, kName, forged, value("a's forged")), "a's forged");
  EXPECT_EQ(get(cache_, kTenantB, kName, "same-id", value("unused")), "b's value");
  auto keys = redis_command({"KEYS", "c:*"});
  ASSERT_EQ(keys.size(), 3u);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto key = std::string(keys[i].text());
    EXPECT_TRUE(key.starts_with("c:{" + kTenantA.str() + "}:name:") ||
                key.starts_with("c:{" + kTenantB.str() + "}:name:"))
        << key;
  }
}

TEST_F(CacheTest, AnExpiredHotKeyUnder200ConcurrentRequestsCausesOnePostgresRead) {
  EXPECT_EQ(get(cache_, kTenantA, kName, "self", name_from_postgres(kTenantA)), "tenant-a");
  EXPECT_EQ(postgres_reads_, 1);
  redis_command({"DEL", "c:{" + kTenantA.str() + "}:name:self"});  // what expiry does
  postgres_reads_ = 0;

  // 200 requests at once, spread over two threads like the server's.
  std::atomic<int> answered{0}, right{0};
  auto p = principal(kTenantA);
  for (int i = 0; i < 200; ++i) {
    asio::co_spawn(
        *contexts_[i % 2],
        [&]() -> asio::awaitable<void> {
          auto got =
              co_await cache_.for_request(p).get(kName, "self", name_from_postgres(kTenantA));
          if (got && *got == "tenant-a") ++right;
          ++answered;
        },
        asio::detached);
  }
  context_.restart();
  std::thread other([&] { context2_.run(); });
  context_.run();
  other.join();
  EXPECT_EQ(answered, 200);
  EXPECT_EQ(right, 200);
  EXPECT_EQ(postgres_reads_, 1);
  EXPECT_EQ(metric("tenantry_cache_loads_total", ""), 2);  // the first fill and this one
}

TEST_F(CacheTest, InvalidationAfterCommitIsSeenAtOnceAndBeatsARacingFill) {
  EXPECT_EQ(get(cache_, kTenantA, kName, "self", name_from_postgres(kTenantA)), "tenant-a");
  rename(kTenantA, "renamed");
  EXPECT_EQ(get(cache_, kTenantA, kName, "self", name_from_postgres(kTenantA)), "renamed");

  // A reader misses and reads PostgreSQL; before it fills, a writer
  // commits and invalidates. The reader's (old) value must not be cached.
  redis_command({"DEL", "c:{" + kTenantA.str() + "}:name:self"});
  Loader<std::string> slow_reader = [&]() -> asio::awaitable<db::Result<std::string>> {
    auto old = co_await name_from_postgres(kTenantA)();
    auto writer = co_await renamed(kTenantA, "renamed again", true);  // meanwhile
    EXPECT_TRUE(writer);
    co_return old;
  };
  EXPECT_EQ(get(cache_, kTenantA, kName, "self", slow_reader), "renamed");
  postgres_reads_ = 0;
  EXPECT_EQ(get(cache_, kTenantA, kName, "self", name_from_postgres(kTenantA)), "renamed again");
  EXPECT_EQ(postgres_reads_, 1);  // the stale fill was refused: a miss, then the truth

  // Invalidating before the commit is a programming error, caught.
  EXPECT_THROW(run([&]() -> asio::awaitable<int> {
                 auto tx = co_await database_.tenant_transaction(kTenantA);
                 co_await cache_.invalidate_after_commit(*tx, kName, "self");
                 co_return 0;
               }()),
               std::logic_error);
}

TEST_F(CacheTest, EntriesOfAnotherVersionAreNeverDecoded) {
  EXPECT_EQ(get(cache_, kTenantA, kName, "self", value("v1 encoding")), "v1 encoding");
  int loads = 0;
  // A newer release reads the old entry as a miss and replaces it.
  EXPECT_EQ(get(cache_, kTenantA, kNameV2, "self", value("v2 encoding", &loads)), "v2 encoding");
  EXPECT_EQ(loads, 1);
  // The older release cannot read it, and does not overwrite the newer one.
  EXPECT_EQ(get(cache_, kTenantA, kName, "self", value("v1 again", &loads)), "v1 again");
  EXPECT_EQ(loads, 2);
  auto stored = redis_command({"GET", "c:{" + kTenantA.str() + "}:name:self"});
  EXPECT_EQ(stored.text(), "2|v2 encoding");
}

TEST_F(CacheTest, FillsExpireAfterTheTtlWithJitter) {
  cache::Cache cache(redis_client_, {.ttl = 10'000ms, .ttl_jitter = 0.1}, {"name"}, registry_,
                     logger_);
  std::set<long long> ttls;
  for (int i = 0; i < 20; ++i) {
    auto id = "k" + std::to_string(i);
    get(cache, kTenantA, kName, id, value("v"));
    auto ttl = redis_command({"PTTL", "c:{" + kTenantA.str() + "}:name:" + id}).integer();
    EXPECT_GE(ttl, 8'900);
    EXPECT_LE(ttl, 11'000);
    ttls.insert(ttl / 10);
  }
  EXPECT_GT(ttls.size(), 5u);  // not one expiry instant for all
}

TEST_F(CacheTest, WithoutRedisEveryReadGoesToPostgresWithoutAnError) {
  redis::Client gone(redis_config("redis://127.0.0.1:" + std::to_string(free_port())), contexts_,
                     logger_);
  cache::Cache cache(gone, {}, {"name"}, registry_, logger_);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(get(cache, kTenantA, kName, "self", name_from_postgres(kTenantA)), "tenant-a");
  EXPECT_EQ(postgres_reads_, 3);
  EXPECT_EQ(metric("tenantry_cache_requests_total", "bypass"), 3);
  // An invalidation that cannot reach Redis is counted, not thrown.
  rename(kTenantA, "renamed without redis", false);
  auto done = run([&]() -> asio::awaitable<db::Result<void>> {
    auto tx = co_await database_.tenant_transaction(kTenantA);
    if (!tx) co_return tx.error();
    auto c = co_await tx->commit();
    co_await cache.invalidate_after_commit(*tx, kName, "self");
    co_return c;
  }());
  EXPECT_TRUE(done);
  EXPECT_EQ(metric("tenantry_cache_invalidations_total", "failed"), 1);
}

}  // namespace
}  // namespace tenantry::testing
