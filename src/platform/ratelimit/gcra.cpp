// The GCRA script, its caller, and the same algorithm in process memory.
#include "platform/ratelimit/gcra.h"

#include <cmath>
#include <limits>

namespace tenantry::ratelimit {
namespace {

// KEYS: one per limit. ARGV[1]: 1 to count the request (0 only asks, for
// benchmarks that must not fill a key); then per limit: emission interval
// (µs per request) and burst. Time is
// Redis's own (TIME), so replicas' clocks do not matter. Returns {allowed,
// binding limit (1-based), remaining, retry_after_us, reset_us}.
const redis::Script kGcra(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local new_tats = {}
local bind, remaining, reset = 1, math.huge, 0
local refused, wait, refused_reset = 0, -1, 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  if now < allow_at then
    if allow_at - now > wait then refused, wait, refused_reset = i, allow_at - now, tat - now end
  else
    local left = math.floor((now + interval * burst - new_tat) / interval)
    if left < remaining then bind, remaining, reset = i, left, new_tat - now end
    new_tats[i] = new_tat
  end
end
if refused > 0 then return {0, refused, 0, wait, refused_reset} end
if ARGV[1] == '1' then
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], new_tats[i], 'PX', math.ceil((new_tats[i] - now) / 1000) + 1)
  end
end
return {1, bind, remaining, 0, reset}
)lua");

// KEYS: one per limit; ARGV: each one's emission interval. Moves each
// subject's theoretical arrival time back by one request.
const redis::Script kRefund(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 1, #KEYS do
  local tat = redis.call('GET', KEYS[i])
  if tat then
    local new_tat = tonumber(tat) - tonumber(ARGV[i])
    if new_tat <= now then
      redis.call('DEL', KEYS[i])
    else
      redis.call('SET', KEYS[i], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
    end
  end
end
return 1
)lua");

std::chrono::milliseconds from_us(long long us) {
  return std::chrono::milliseconds((us + 999) / 1000);
}

long long interval_us(const Policy& policy) {
  return static_cast<long long>(std::llround(1e6 / policy.rate));
}

std::string key(const Limit& limit) { return "rl:" + limit.policy.name + ":" + limit.subject; }

std::int64_t local_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const redis::Script& gcra_script() { return kGcra; }

Decision LocalLimiter::decide(std::span<const Limit> limits) {
  auto now = local_now_us();
  std::lock_guard lock(mutex_);
  if (tats_.size() + limits.size() > max_subjects_)
    std::erase_if(tats_, [now](const auto& entry) { return entry.second <= now; });
  Decision decision;
  decision.decided_locally = true;
  decision.remaining = std::numeric_limits<long>::max();
  std::vector<std::int64_t> new_tats(limits.size());
  std::int64_t wait = -1;
  for (std::size_t i = 0; i < limits.size(); ++i) {
    auto interval = interval_us(limits[i].policy);
    auto found = tats_.find(key(limits[i]));
    if (found == tats_.end() && tats_.size() + limits.size() > max_subjects_) {
      // Full of subjects still within their windows: refuse rather than forget one.
      decision.allowed = false;
      decision.binding = i;
      decision.retry_after = std::chrono::seconds(1);
      return decision;
    }
    auto tat = std::max(found == tats_.end() ? now : found->second, now);
    auto new_tat = tat + interval;
    auto allow_at = new_tat - interval * limits[i].policy.burst;
    if (now < allow_at) {
      if (allow_at - now > wait) {
        wait = allow_at - now;
        decision.allowed = false;
        decision.binding = i;
        decision.remaining = 0;
        decision.retry_after = from_us(wait);
        decision.reset = from_us(tat - now);
      }
      continue;
    }
    new_tats[i] = new_tat;
    auto left = static_cast<long>((now + interval * limits[i].policy.burst - new_tat) / interval);
    if (decision.allowed && left < decision.remaining) {
      decision.binding = i;
      decision.remaining = left;
      decision.reset = from_us(new_tat - now);
    }
  }
  if (decision.allowed) {
    for (std::size_t i = 0; i < limits.size(); ++i) tats_[key(limits[i])] = new_tats[i];
  }
  return decision;
}

bool RateLimiter::redis_available() const {
  return redis_.breaker_state() != redis::CircuitBreaker::State::kOpen;
}

boost::asio::awaitable<Decision> RateLimiter::decide(std::span<const Limit> limits) {
  std::vector<std::string> keys;
  std::vector<std::string> args{"1"};
  for (const auto& limit : limits) {
    keys.push_back(key(limit));
    args.push_back(std::to_string(interval_us(limit.policy)));
    args.push_back(std::to_string(limit.policy.burst));
  }
  auto reply = co_await redis_.eval(kGcra, std::move(keys), std::move(args));
  if (reply && reply->is_array() && reply->size() == 5) {
    Decision decision;
    decision.allowed = (*reply)[0].integer() == 1;
    decision.binding = static_cast<std::size_t>((*reply)[1].integer() - 1);
    decision.remaining = static_cast<long>((*reply)[2].integer());
    decision.retry_after = from_us((*reply)[3].integer());
    decision.reset = from_us((*reply)[4].integer());
    co_return decision;
  }
  // Redis could not decide: the policies say what to do. Limits decided
  // locally keep counting in this process; any that fails closed refuses.
  std::vector<Limit> local;
  std::vector<std::size_t> local_index;
  bool refuse = false;
  for (std::size_t i = 0; i < limits.size(); ++i) {
    auto when = limits[i].policy.when_redis_fails;
    if (when == WhenRedisFails::kDecideLocally) {
      local.push_back(limits[i]);
      local_index.push_back(i);
    }
    if (when == WhenRedisFails::kRefuse) refuse = true;
  }
  if (!local.empty()) {
    auto decision = local_.decide(local);
    decision.binding = local_index[decision.binding];
    if (!decision.allowed || !refuse) co_return decision;
  }
  Decision decision;
  decision.allowed = !refuse;
  decision.failed_open = !refuse;
  decision.failed_closed = refuse;
  decision.retry_after = std::chrono::seconds(1);
  co_return decision;
}

boost::asio::awaitable<void> RateLimiter::refund(std::span<const Limit> limits,
                                                 const Decision& counted) {
  if (!counted.allowed || counted.failed_open) co_return;  // nothing was counted
  if (counted.decided_locally) {
    local_.refund(limits);
    co_return;
  }
  std::vector<std::string> keys;
  std::vector<std::string> args;
  for (const auto& limit : limits) {
    keys.push_back(key(limit));
    args.push_back(std::to_string(interval_us(limit.policy)));
  }
  // Best effort: a refund lost to an outage leaves one request counted.
  co_await redis_.eval(kRefund, std::move(keys), std::move(args));
}

void LocalLimiter::refund(std::span<const Limit> limits) {
  auto now = local_now_us();
  std::lock_guard lock(mutex_);
  for (const auto& limit : limits) {
    auto found = tats_.find(key(limit));
    if (found == tats_.end()) continue;
    found->second -= interval_us(limit.policy);
    if (found->second <= now) tats_.erase(found);
  }
}

}  // namespace tenantry::ratelimit
