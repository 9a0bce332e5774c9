// Centralized rate limiting: GCRA (the generic cell rate algorithm) in one
// Lua script, decided in Redis, atomically for every replica, in one round
// trip per request. A policy allows `burst` requests at once and then one
// per 1/`rate` second; the script keeps one key per limited subject (its
// theoretical arrival time), expiring when the subject is idle again.
// Redis unreachable: the decision fails open (allowed, and said so) unless
// the limiter is configured to fail closed.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "platform/redis/client.h"

namespace tenantry::ratelimit {

struct Policy {
  std::string name;   // metrics label and RateLimit-Policy name, e.g. "tenant"
  double rate = 100;  // requests per second, sustained
  long burst = 100;   // requests at once
};

struct Decision {
  bool allowed = true;
  bool failed_open = false;                  // Redis could not decide; allowed by configuration
  long remaining = 0;                        // requests still allowed at once
  std::chrono::milliseconds retry_after{0};  // when refused
  std::chrono::milliseconds reset{0};        // until the full burst is available again
};

// The GCRA script (for benchmarks that call it with other clients).
const redis::Script& gcra_script();

class RateLimiter {
 public:
  RateLimiter(redis::Client& redis, bool fail_open);
  // `subject` names what is limited (e.g. "t:<tenant id>"); it becomes part
  // of the Redis key, never a metrics label.
  boost::asio::awaitable<Decision> decide(const Policy& policy, std::string subject);

 private:
  redis::Client& redis_;
  bool fail_open_;
};

}  // namespace tenantry::ratelimit
