// The tenant policy applied to every authenticated request.
#include "platform/ratelimit/middleware.h"

#include <prometheus/counter.h>

#include <atomic>
#include <cmath>

#include "platform/http/problem.h"

namespace tenantry::ratelimit {
namespace {

long ceil_seconds(std::chrono::milliseconds ms) {
  return static_cast<long>((ms.count() + 999) / 1000);
}

}  // namespace

http::Middleware tenant_rate_limiting(RateLimiter& limiter, Policy policy,
                                      prometheus::Registry& registry, base::Logger& logger) {
  auto& family = prometheus::BuildCounter()
                     .Name("tenantry_ratelimit_decisions_total")
                     .Help("Rate-limit decisions by policy and result")
                     .Register(registry);
  struct Counters {
    Counters(prometheus::Family<prometheus::Counter>& family, const std::string& policy)
        : allowed(family.Add({{"policy", policy}, {"result", "allowed"}})),
          limited(family.Add({{"policy", policy}, {"result", "limited"}})),
          failed_open(family.Add({{"policy", policy}, {"result", "failed_open"}})) {}
    prometheus::Counter& allowed;
    prometheus::Counter& limited;
    prometheus::Counter& failed_open;
    std::atomic<std::int64_t> last_warning_ns{0};
  };
  auto counters = std::make_shared<Counters>(family, policy.name);
  auto window = static_cast<long>(std::ceil(static_cast<double>(policy.burst) / policy.rate));
  auto policy_header =
      "\"" + policy.name + "\";q=" + std::to_string(policy.burst) + ";w=" + std::to_string(window);

  return [&limiter, &logger, policy, counters, policy_header](
             http::Request& request,
             const http::Handler& next) -> boost::asio::awaitable<http::Response> {
    if (!request.principal) co_return co_await next(request);  // anonymous routes
    auto decision = co_await limiter.decide(policy, "t:" + request.principal->tenant.str());
    if (decision.failed_open) {
      counters->failed_open.Increment();
      auto now = std::chrono::steady_clock::now().time_since_epoch().count();
      auto last = counters->last_warning_ns.load();
      if (now - last > 10'000'000'000 &&
          counters->last_warning_ns.compare_exchange_strong(last, now)) {
        logger.warn("rate limit not decided (Redis unavailable); failing open",
                    {{"policy", policy.name}});
      }
      co_return co_await next(request);
    }
    auto current = "\"" + policy.name + "\";r=" + std::to_string(decision.remaining) +
                   ";t=" + std::to_string(ceil_seconds(decision.reset));
    if (!decision.allowed) {
      counters->limited.Increment();
      auto response =
          http::problem(429, "rate-limited", "Too Many Requests",
                        "this tenant's request rate is above its plan's limit", request.request_id);
      response.with_header("Retry-After",
                           std::to_string(std::max(1L, ceil_seconds(decision.retry_after))));
      response.with_header("RateLimit-Policy", policy_header);
      response.with_header("RateLimit", current);
      co_return response;
    }
    counters->allowed.Increment();
    auto response = co_await next(request);
    response.with_header("RateLimit-Policy", policy_header);
    response.with_header("RateLimit", current);
    co_return response;
  };
}

}  // namespace tenantry::ratelimit
