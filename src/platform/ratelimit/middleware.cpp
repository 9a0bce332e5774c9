// Decisions into responses: the RateLimit headers, 429, and the counters.
#include "platform/ratelimit/middleware.h"

#include <cmath>

#include "platform/http/problem.h"
#include "platform/ratelimit/metrics.h"

namespace tenantry::ratelimit {

struct Enforcer::Counters {
  Counters(prometheus::Family<prometheus::Counter>& family, std::string name)
      : policy(std::move(name)),
        allowed(family.Add({{"policy", policy}, {"result", "allowed"}})),
        limited(family.Add({{"policy", policy}, {"result", "limited"}})),
        failed_open(family.Add({{"policy", policy}, {"result", "failed_open"}})),
        failed_closed(family.Add({{"policy", policy}, {"result", "failed_closed"}})),
        local(family.Add({{"policy", policy}, {"result", "decided_locally"}})) {}
  std::string policy;
  prometheus::Counter& allowed;
  prometheus::Counter& limited;
  prometheus::Counter& failed_open;
  prometheus::Counter& failed_closed;
  prometheus::Counter& local;
};

namespace {

long ceil_seconds(std::chrono::milliseconds ms) {
  return static_cast<long>((ms.count() + 999) / 1000);
}

// RateLimit-Policy: "tenant";q=40;w=2 (the burst, and the seconds in which
// a spent burst is whole again).
std::string policy_item(const Policy& policy) {
  auto window = static_cast<long>(std::ceil(static_cast<double>(policy.burst) / policy.rate));
  return "\"" + policy.name + "\";q=" + std::to_string(policy.burst) +
         ";w=" + std::to_string(std::max(1L, window));
}

}  // namespace

void Verdict::annotate(http::Response& response) const {
  for (const auto& [name, value] : headers) response.with_header(name, value);
}

Enforcer::Enforcer(RateLimiter& limiter, std::vector<std::string> policies,
                   prometheus::Registry& registry, base::Logger& logger)
    : limiter_(limiter), logger_(logger) {
  auto& family = metrics::counter_family(registry, kDecisions);
  for (auto& name : policies) counters_.push_back(std::make_unique<Counters>(family, name));
}

Enforcer::~Enforcer() = default;

Enforcer::Counters& Enforcer::counters(const std::string& policy) {
  for (auto& c : counters_) {
    if (c->policy == policy) return *c;
  }
  throw std::logic_error("rate-limit policy '" + policy + "' was not declared to the Enforcer");
}

boost::asio::awaitable<Verdict> Enforcer::check(std::vector<Limit> limits,
                                                const http::Request& request,
                                                std::string_view refusal_detail,
                                                Decision* decided) {
  auto decision = co_await limiter_.decide(limits);
  if (decided) *decided = decision;
  co_return answer(limits, decision, request, refusal_detail);
}

boost::asio::awaitable<http::Response> Enforcer::apply(std::vector<Limit> limits,
                                                       http::Request& request,
                                                       const http::Handler& next,
                                                       std::string_view refusal_detail) {
  auto verdict = co_await check(std::move(limits), request, refusal_detail);
  if (verdict.refusal) co_return std::move(*verdict.refusal);
  auto response = co_await next(request);
  verdict.annotate(response);
  co_return response;
}

Verdict Enforcer::answer(const std::vector<Limit>& limits, const Decision& decision,
                         const http::Request& request, std::string_view refusal_detail) {
  Verdict verdict;
  if (decision.failed_open || decision.failed_closed) {
    for (const auto& limit : limits) {
      auto& counted = counters(limit.policy.name);
      (decision.failed_open ? counted.failed_open : counted.failed_closed).Increment();
    }
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = last_warning_ns_.load();
    if (now - last > 10'000'000'000 && last_warning_ns_.compare_exchange_strong(last, now)) {
      logger_.warn(decision.failed_open
                       ? "rate limit not decided (Redis unavailable); failing open"
                       : "rate limit not decided (Redis unavailable); failing closed",
                   {{"policy", limits.front().policy.name}});
    }
    if (decision.failed_open) return verdict;
    // Not the client's excess (no 429, no RateLimit header that would
    // claim a count): the platform cannot decide, so it cannot serve.
    auto response = http::problem(503, "rate-limit-unavailable", "Service Unavailable",
                                  "rate limits cannot be decided right now; retry shortly",
                                  request.request_id);
    response.with_header("Retry-After", "1");
    verdict.refusal = std::move(response);
    return verdict;
  }
  const auto& binding = limits.at(decision.binding);
  auto& counted = counters(binding.policy.name);
  if (decision.decided_locally) counted.local.Increment();
  std::string policies;
  for (const auto& limit : limits) {
    if (!policies.empty()) policies += ", ";
    policies += policy_item(limit.policy);
  }
  verdict.headers = {
      {"RateLimit-Policy", policies},
      {"RateLimit", "\"" + binding.policy.name + "\";r=" + std::to_string(decision.remaining) +
                        ";t=" + std::to_string(ceil_seconds(decision.reset))}};
  if (decision.allowed) {
    for (const auto& limit : limits) counters(limit.policy.name).allowed.Increment();
    return verdict;
  }
  counted.limited.Increment();
  auto response = http::problem(429, "rate-limited", "Too Many Requests",
                                std::string(refusal_detail), request.request_id);
  response.with_header("Retry-After",
                       std::to_string(std::max(1L, ceil_seconds(decision.retry_after))));
  verdict.annotate(response);
  verdict.refusal = std::move(response);
  return verdict;
}

http::Middleware client_ip_rate_limiting(Enforcer& enforcer, Policy policy) {
  return [&enforcer, policy](const http::Route& route, http::Handler next) -> http::Handler {
    if (!route.middleware.get<ClientIpLimit>()) return next;
    return [&enforcer, policy, next = std::move(next)](
               http::Request& request) -> boost::asio::awaitable<http::Response> {
      std::vector<Limit> limits{{policy, "{ip:" + request.remote + "}"}};
      co_return co_await enforcer.apply(std::move(limits), request, next,
                                        "too many requests from this address");
    };
  };
}

}  // namespace tenantry::ratelimit
