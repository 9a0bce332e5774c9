// The breaker's state machine.
#include "platform/redis/breaker.h"

namespace tenantry::redis {

CircuitBreaker::CircuitBreaker(BreakerConfig config, Listener listener)
    : config_(config), listener_(std::move(listener)) {}

std::string_view state_name(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed: return "closed";
    case CircuitBreaker::State::kOpen: return "open";
    case CircuitBreaker::State::kHalfOpen: return "half_open";
  }
  return "closed";
}

void CircuitBreaker::change(State to, std::unique_lock<std::mutex>& lock) {
  auto from = state_;
  state_ = to;
  if (from == to || !listener_) return;
  lock.unlock();
  listener_(from, to);
}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::unique_lock lock(mutex_);
  switch (state_) {
    case State::kClosed: return true;
    case State::kOpen:
      if (now < open_until_) return false;
      probing_ = true;
      change(State::kHalfOpen, lock);
      return true;
    case State::kHalfOpen:
      if (probing_) return false;
      probing_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::success() {
  std::unique_lock lock(mutex_);
  failures_ = 0;
  probing_ = false;
  change(State::kClosed, lock);
}

void CircuitBreaker::failure(Clock::time_point now) {
  std::unique_lock lock(mutex_);
  probing_ = false;
  if (state_ == State::kHalfOpen || ++failures_ >= config_.failure_threshold) {
    failures_ = 0;
    open_until_ = now + config_.open_for;
    change(State::kOpen, lock);
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace tenantry::redis
