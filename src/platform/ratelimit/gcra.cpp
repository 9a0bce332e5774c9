// The GCRA script and its caller.
#include "platform/ratelimit/gcra.h"

#include <cmath>

namespace tenantry::ratelimit {
namespace {

// KEYS[1]: the subject's key. ARGV[1]: emission interval (microseconds per
// request), ARGV[2]: burst. Time is Redis's own (TIME), so replicas' clocks
// do not matter. Returns {allowed, remaining, retry_after_us, reset_us}.
const redis::Script kGcra(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, math.floor((now + interval * burst - new_tat) / interval), 0, new_tat - now}
)lua");

}  // namespace

const redis::Script& gcra_script() { return kGcra; }

namespace {

std::chrono::milliseconds from_us(long long us) {
  return std::chrono::milliseconds((us + 999) / 1000);
}

}  // namespace

RateLimiter::RateLimiter(redis::Client& redis, bool fail_open)
    : redis_(redis), fail_open_(fail_open) {}

boost::asio::awaitable<Decision> RateLimiter::decide(const Policy& policy, std::string subject) {
  auto interval = static_cast<long long>(std::llround(1e6 / policy.rate));
  std::vector<std::string> keys{"rl:" + policy.name + ":" + subject};
  std::vector<std::string> args{std::to_string(interval), std::to_string(policy.burst)};
  auto reply = co_await redis_.eval(kGcra, std::move(keys), std::move(args));
  if (!reply || !reply->is_array() || reply->size() != 4) {
    Decision decision;
    decision.allowed = fail_open_;
    decision.failed_open = fail_open_;
    decision.retry_after = std::chrono::milliseconds(1'000);
    co_return decision;
  }
  Decision decision;
  decision.allowed = (*reply)[0].integer() == 1;
  decision.remaining = (*reply)[1].integer();
  decision.retry_after = from_us((*reply)[2].integer());
  decision.reset = from_us((*reply)[3].integer());
  co_return decision;
}

}  // namespace tenantry::ratelimit
