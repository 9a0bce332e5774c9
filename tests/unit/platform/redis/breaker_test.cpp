#include "platform/redis/breaker.h"

#include <gtest/gtest.h>

#include <vector>

namespace tenantry::redis {
namespace {

using State = CircuitBreaker::State;
using namespace std::chrono_literals;

TEST(CircuitBreaker, OpensAfterTheThresholdProbesOnceThenCloses) {
  std::vector<std::pair<State, State>> changes;
  CircuitBreaker breaker({3, 1'000ms},
                         [&](State from, State to) { changes.emplace_back(from, to); });
  auto t0 = CircuitBreaker::Clock::now();
  breaker.failure(t0);
  breaker.failure(t0);
  EXPECT_EQ(breaker.state(), State::kClosed);
  breaker.success();  // a success resets the count
  breaker.failure(t0);
  breaker.failure(t0);
  EXPECT_TRUE(breaker.allow(t0));
  breaker.failure(t0);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.allow(t0 + 999ms));
  EXPECT_TRUE(breaker.allow(t0 + 1'000ms));  // the probe
  EXPECT_EQ(breaker.state(), State::kHalfOpen);
  EXPECT_FALSE(breaker.allow(t0 + 1'001ms));  // one probe at a time
  breaker.success();
  EXPECT_EQ(breaker.state(), State::kClosed);
  EXPECT_EQ(changes, (std::vector<std::pair<State, State>>{{State::kClosed, State::kOpen},
                                                           {State::kOpen, State::kHalfOpen},
                                                           {State::kHalfOpen, State::kClosed}}));
}

TEST(CircuitBreaker, AFailedProbeReopensAtOnce) {
  CircuitBreaker breaker({1, 100ms});
  auto t0 = CircuitBreaker::Clock::now();
  breaker.failure(t0);
  EXPECT_TRUE(breaker.allow(t0 + 100ms));
  breaker.failure(t0 + 100ms);
  EXPECT_EQ(breaker.state(), State::kOpen);
  EXPECT_FALSE(breaker.allow(t0 + 150ms));
  EXPECT_TRUE(breaker.allow(t0 + 200ms));
  EXPECT_EQ(state_name(breaker.state()), "half_open");
}

}  // namespace
}  // namespace tenantry::redis
