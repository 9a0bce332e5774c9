// A circuit breaker per Redis concern: after `failure_threshold` failures
// in a row it opens, and calls fail at once instead of each waiting out a
// timeout against a Redis that is down; after `open_for` it lets one call
// through (half-open), whose outcome closes it again or reopens it. Safe
// from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string_view>

namespace tenantry::redis {

struct BreakerConfig {
  int failure_threshold = 5;
  std::chrono::milliseconds open_for{2'000};
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  using Clock = std::chrono::steady_clock;
  // Called on every state change (for logs and metrics), outside the lock.
  using Listener = std::function<void(State from, State to)>;

  explicit CircuitBreaker(BreakerConfig config, Listener listener = {});

  // Whether a call may go ahead now. In half-open, only one call at a time
  // does (the probe); its outcome must be reported.
  bool allow(Clock::time_point now = Clock::now());
  void success();
  void failure(Clock::time_point now = Clock::now());
  State state() const;

 private:
  void change(State to, std::unique_lock<std::mutex>& lock);

  BreakerConfig config_;
  Listener listener_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  int failures_ = 0;
  bool probing_ = false;
  Clock::time_point open_until_{};
};

std::string_view state_name(CircuitBreaker::State state);

}  // namespace tenantry::redis
