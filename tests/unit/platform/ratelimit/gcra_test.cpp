// The in-process GCRA (the sign-in fallback when Redis cannot decide): the
// same burst-then-rate answers as the Redis script, limits decided
// together, refunds, and a bounded memory that refuses rather than forgets.
#include "platform/ratelimit/gcra.h"

#include <gtest/gtest.h>

namespace tenantry::ratelimit {
namespace {

Policy slow(const char* name, long burst) {
  return {name, 0.01, burst, WhenRedisFails::kDecideLocally};  // one per 100 s after the burst
}

TEST(LocalLimiter, ABurstThenRefusalWithRetryAfter) {
  LocalLimiter limiter;
  std::vector<Limit> limits{{slow("sign_in_address", 3), "{a:1}"}};
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.decide(limits);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_TRUE(d.decided_locally);
    EXPECT_EQ(d.remaining, 2 - i);
  }
  auto refused = limiter.decide(limits);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GT(refused.retry_after, std::chrono::seconds(99));
  limiter.refund(limits);  // gives back one: one more fits, and no more
  EXPECT_TRUE(limiter.decide(limits).allowed);
  EXPECT_FALSE(limiter.decide(limits).allowed);
}

TEST(LocalLimiter, LimitsCountAllOrNone) {
  LocalLimiter limiter;
  std::vector<Limit> both{{slow("tenant", 5), "{t:a}"}, {slow("user", 1), "{t:a}:u:x"}};
  EXPECT_TRUE(limiter.decide(both).allowed);
  auto second = limiter.decide(both);
  EXPECT_FALSE(second.allowed);
  EXPECT_EQ(second.binding, 1u);  // the user's limit refused
  std::vector<Limit> tenant_only{{slow("tenant", 5), "{t:a}"}};
  EXPECT_EQ(limiter.decide(tenant_only).remaining, 3);  // 5 - the one counted - this one
}

TEST(LocalLimiter, WhenFullOfActiveSubjectsANewOneIsRefusedNotAnOldOneForgotten) {
  LocalLimiter limiter(2);
  auto one = [&](const char* subject) {
    std::vector<Limit> limits{{slow("client_ip", 1), subject}};
    return limiter.decide(limits).allowed;
  };
  EXPECT_TRUE(one("{ip:a}"));
  EXPECT_TRUE(one("{ip:b}"));
  EXPECT_FALSE(one("{ip:c}"));  // no room
  EXPECT_FALSE(one("{ip:a}"));  // and a remains limited
}

}  // namespace
}  // namespace tenantry::ratelimit
