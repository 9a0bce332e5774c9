// Rate limits in the request path. An Enforcer decides a request's limits
// in one round trip and answers for them: allowed responses carry
// RateLimit-Policy and RateLimit headers (draft-ietf-httpapi-ratelimit-
// headers), refused requests get 429 problem+json with Retry-After. When
// Redis cannot decide, a policy fails open (counted failed_open) or closed
// (503 with Retry-After, counted failed_closed), logged at most every 10 s.
// Decisions are counted by policy and result, never by tenant, user or
// address.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "platform/base/log.h"
#include "platform/http/router.h"
#include "platform/ratelimit/gcra.h"

namespace tenantry::ratelimit {

// What an Enforcer found: a refusal to send, or headers to add to the
// handler's response.
struct Verdict {
  std::optional<http::Response> refusal;
  std::vector<std::pair<std::string, std::string>> headers;
  void annotate(http::Response& response) const;
};

class Enforcer {
 public:
  // `policies`: the names of every policy it will see (their counters are
  // made once, here).
  Enforcer(RateLimiter& limiter, std::vector<std::string> policies, prometheus::Registry& registry,
           base::Logger& logger);
  ~Enforcer();

  // Counts the request against `limits` (all, or none when one refuses);
  // `decision`, when given, receives what the limiter decided (to refund it).
  boost::asio::awaitable<Verdict> check(std::vector<Limit> limits, const http::Request& request,
                                        std::string_view refusal_detail,
                                        Decision* decision = nullptr);
  // check(), then the refusal, or `next`'s response with the headers.
  boost::asio::awaitable<http::Response> apply(std::vector<Limit> limits, http::Request& request,
                                               const http::Handler& next,
                                               std::string_view refusal_detail);
  RateLimiter& limiter() { return limiter_; }

  struct Counters;

 private:
  Verdict answer(const std::vector<Limit>& limits, const Decision& decision,
                 const http::Request& request, std::string_view refusal_detail);
  Counters& counters(const std::string& policy);

  RateLimiter& limiter_;
  base::Logger& logger_;
  std::vector<std::unique_ptr<Counters>> counters_;
  std::atomic<std::int64_t> last_warning_ns_{0};
};

// A route's declaration that it is limited per client address (the
// sign-in routes), by the policy given to client_ip_rate_limiting:
//   router.add("POST", "/v1/auth/token", token, {.middleware = {ratelimit::ClientIpLimit{}}});
struct ClientIpLimit {};

// Routes that declare a ClientIpLimit are limited per client address by
// `policy`; the chain of every other route does not include this one.
http::Middleware client_ip_rate_limiting(Enforcer& enforcer, Policy policy);

}  // namespace tenantry::ratelimit
