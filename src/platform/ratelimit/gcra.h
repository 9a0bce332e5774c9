// Centralized rate limiting: GCRA (the generic cell rate algorithm) in one
// Lua script, decided in Redis, atomically for every replica, in one round
// trip per request. A policy allows `burst` requests at once and then one
// per 1/`rate` second; the script keeps one key per limited subject (its
// theoretical arrival time), expiring when the subject is idle again.
// Several limits (a tenant's and its user's) are decided together: the
// request counts against all of them or, when one refuses, against none.
// When Redis cannot decide, each policy says what happens: allow (fail
// open), refuse (fail closed) or decide in this process with the same
// algorithm (sign-in throttling: security over precision, since each
// replica then counts on its own).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "platform/redis/client.h"

namespace tenantry::ratelimit {

enum class WhenRedisFails { kAllow, kRefuse, kDecideLocally };

struct Policy {
  std::string name;   // metrics label and RateLimit-Policy name, e.g. "tenant"
  double rate = 100;  // requests per second, sustained
  long burst = 100;   // requests at once
  WhenRedisFails when_redis_fails = WhenRedisFails::kAllow;
};

// One policy applied to one subject. `subject` names what is limited and
// becomes part of the Redis key, never a metrics label. Limits decided
// together must share a Redis Cluster hash tag ("{t:<tenant>}...").
struct Limit {
  Policy policy;
  std::string subject;
};

struct Decision {
  bool allowed = true;
  bool failed_open = false;      // Redis could not decide; allowed by the policy
  bool failed_closed = false;    // Redis could not decide; refused by the policy
  bool decided_locally = false;  // Redis could not decide; this process did
  std::size_t binding = 0;       // the limit that refused, or the one closest to refusing
  long remaining = 0;            // requests still allowed at once by the binding limit
  std::chrono::milliseconds retry_after{0};  // when refused
  std::chrono::milliseconds reset{0};        // until the binding limit's burst is full again
};

// The GCRA script (for benchmarks that call it with other clients).
const redis::Script& gcra_script();

// The same algorithm in process memory, for when Redis cannot decide. At
// most `max_subjects` subjects are tracked; past that (after dropping idle
// ones) new subjects are refused, never forgotten.
class LocalLimiter {
 public:
  explicit LocalLimiter(std::size_t max_subjects = 100'000) : max_subjects_(max_subjects) {}
  Decision decide(std::span<const Limit> limits);
  void refund(std::span<const Limit> limits);

 private:
  std::mutex mutex_;
  std::size_t max_subjects_;
  std::unordered_map<std::string, std::int64_t> tats_;  // key -> theoretical arrival, µs
};

class RateLimiter {
 public:
  explicit RateLimiter(redis::Client& redis) : redis_(redis) {}
  // Counts one request against every limit, or none when one refuses.
  boost::asio::awaitable<Decision> decide(std::span<const Limit> limits);
  // Gives back one request that `counted` (what decide answered) counted
  // against `limits`: a sign-in attempt is counted before its password is
  // checked, so that concurrent guesses cannot all pass a check made
  // before any is counted, and refunded when the password was right.
  // Goes where the decision was made (Redis, or this process).
  boost::asio::awaitable<void> refund(std::span<const Limit> limits, const Decision& counted);
  // False while the breaker is open: a decision now would not reach Redis.
  bool redis_available() const;

 private:
  redis::Client& redis_;
  LocalLimiter local_;
};

}  // namespace tenantry::ratelimit
