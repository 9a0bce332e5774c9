// GCRA in a real Redis: a burst at once, then the sustained rate; subjects
// apart; limits decided together; asking without counting; and what each
// policy does when Redis cannot decide.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <thread>

#include "platform/ratelimit/gcra.h"
#include "support/coro.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class GcraTest : public ::testing::Test {
 protected:
  redis::ClientConfig config(const std::string& url) {
    redis::ClientConfig config;
    config.concern = "ratelimit";
    config.endpoint = redis::parse_url("REDIS_URL", url);
    return config;
  }
  void refund_now(ratelimit::RateLimiter& limiter, const std::vector<ratelimit::Limit>& limits,
                  const ratelimit::Decision& counted) {
    run_coro(context_, [&]() -> asio::awaitable<int> {
      co_await limiter.refund(limits, counted);
      co_return 0;
    }());
  }
  std::vector<ratelimit::Decision> decide(ratelimit::RateLimiter& limiter,
                                          const ratelimit::Policy& policy,
                                          const std::string& subject, int times) {
    return run_coro(context_, [&]() -> asio::awaitable<std::vector<ratelimit::Decision>> {
      std::vector<ratelimit::Decision> out;
      std::vector<ratelimit::Limit> limits{{policy, subject}};
      for (int i = 0; i < times; ++i) out.push_back(co_await limiter.decide(limits));
      co_return out;
    }());
  }
  static int allowed(const std::vector<ratelimit::Decision>& decisions) {
    int n = 0;
    for (const auto& d : decisions) n += d.allowed;
    return n;
  }

  RedisServer redis_;
  asio::io_context context_;
  asio::io_context* contexts_[1] = {&context_};
  base::Logger logger_{"test", base::LogLevel::kError, std::tmpfile()};
};

TEST_F(GcraTest, ABurstAtOnceThenTheSustainedRate) {
  redis::Client client(config(redis_.url()), contexts_, logger_);
  ratelimit::RateLimiter limiter(client);
  ratelimit::Policy policy{"tenant", 10, 5};
  auto first = decide(limiter, policy, "t:a", 8);
  EXPECT_EQ(allowed(first), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(first[i].remaining, 4 - i) << i;
  EXPECT_FALSE(first[5].allowed);
  EXPECT_GT(first[5].retry_after, 0ms);
  EXPECT_LE(first[5].retry_after, 101ms);  // one emission interval at 10/s
  EXPECT_FALSE(first[5].failed_open);

  std::this_thread::sleep_for(300ms);  // the rate, not a condition: 3 more in 0.3 s at 10/s
  auto later = allowed(decide(limiter, policy, "t:a", 10));
  EXPECT_GE(later, 3);
  EXPECT_LE(later, 4);  // 4 if the ten decisions themselves took over 0.1 s
  EXPECT_EQ(allowed(decide(limiter, policy, "t:b", 8)), 5);  // another subject is unaffected
}

TEST_F(GcraTest, LimitsDecidedTogetherCountAllOrNothing) {
  redis::Client client(config(redis_.url()), contexts_, logger_);
  ratelimit::RateLimiter limiter(client);
  // A tenant of burst 3 and its users of burst 2 (one request per 10 s).
  ratelimit::Policy tenant{"tenant", 0.1, 3}, user{"user", 0.1, 2};
  auto both = [&](const std::string& who) {
    std::vector<ratelimit::Limit> limits{{tenant, "{t:a}"}, {user, "{t:a}:u:" + who}};
    return run_coro(context_, limiter.decide(limits));
  };
  auto first = both("x");
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.binding, 1u);  // the user has less left than the tenant
  EXPECT_EQ(first.remaining, 1);
  EXPECT_TRUE(both("x").allowed);
  auto third = both("x");
  EXPECT_FALSE(third.allowed);  // the user's limit refuses...
  EXPECT_EQ(third.binding, 1u);
  EXPECT_TRUE(both("y").allowed);  // ...and did not count against the tenant
  auto last = both("z");
  EXPECT_FALSE(last.allowed);  // the tenant's burst of 3 is spent
  EXPECT_EQ(last.binding, 0u);
  EXPECT_GT(last.retry_after, 9s);
}

TEST_F(GcraTest, ARefundGivesBackTheRequestItCounted) {
  redis::Client client(config(redis_.url()), contexts_, logger_);
  ratelimit::RateLimiter limiter(client);
  std::vector<ratelimit::Limit> limits{{{"sign_in_address", 0.01, 2}, "{a:1}:ip"},
                                       {{"sign_in_account", 0.01, 3}, "{a:1}"}};
  auto refund = [&](const ratelimit::Decision& counted) { refund_now(limiter, limits, counted); };
  // Refunded attempts (right passwords) never run out...
  for (int i = 0; i < 10; ++i) {
    auto counted = run_coro(context_, limiter.decide(limits));
    ASSERT_TRUE(counted.allowed) << i;
    refund(counted);
  }
  // ...kept ones (wrong passwords) do, at the smaller burst.
  EXPECT_TRUE(run_coro(context_, limiter.decide(limits)).allowed);
  EXPECT_TRUE(run_coro(context_, limiter.decide(limits)).allowed);
  auto refused = run_coro(context_, limiter.decide(limits));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.binding, 0u);
  refund(refused);  // a refusal counted nothing: nothing to give back
  EXPECT_FALSE(run_coro(context_, limiter.decide(limits)).allowed);
}

TEST_F(GcraTest, ARefundGoesWhereTheDecisionWasMade) {
  auto url = "redis://127.0.0.1:" + std::to_string(free_port());
  redis::Client client(config(url), contexts_, logger_);
  ratelimit::RateLimiter limiter(client);
  ratelimit::Policy local{"sign_in_address", 0.01, 1, ratelimit::WhenRedisFails::kDecideLocally};
  std::vector<ratelimit::Limit> limits{{local, "{a:2}"}};
  auto first = run_coro(context_, limiter.decide(limits));
  ASSERT_TRUE(first.allowed);
  ASSERT_TRUE(first.decided_locally);
  EXPECT_FALSE(run_coro(context_, limiter.decide(limits)).allowed);
  refund_now(limiter, limits, first);
  EXPECT_TRUE(run_coro(context_, limiter.decide(limits)).allowed);
}

TEST_F(GcraTest, WithoutRedisTheLimiterFailsOpenOrClosedAsConfigured) {
  auto url = "redis://127.0.0.1:" + std::to_string(free_port());
  redis::Client client(config(url), contexts_, logger_);
  ratelimit::RateLimiter limiter(client);
  ratelimit::Policy open{"tenant", 10, 5, ratelimit::WhenRedisFails::kAllow};
  ratelimit::Policy closed{"tenant", 10, 5, ratelimit::WhenRedisFails::kRefuse};
  auto a = decide(limiter, open, "t:a", 1)[0];
  EXPECT_TRUE(a.allowed);
  EXPECT_TRUE(a.failed_open);
  auto b = decide(limiter, closed, "t:a", 1)[0];
  EXPECT_FALSE(b.allowed);
  EXPECT_FALSE(b.failed_open);
  EXPECT_TRUE(b.failed_closed);
  EXPECT_FALSE(a.failed_closed);
  // Sign-in throttling: this process decides, with the same algorithm.
  ratelimit::Policy local{"sign_in_address", 0.1, 3, ratelimit::WhenRedisFails::kDecideLocally};
  auto decisions = decide(limiter, local, "{a:1}", 5);
  EXPECT_EQ(allowed(decisions), 3);
  EXPECT_TRUE(decisions[0].decided_locally);
  EXPECT_FALSE(decisions[4].failed_open);
  EXPECT_EQ(allowed(decide(limiter, local, "{a:2}", 5)), 3);  // each subject on its own
}

}  // namespace
}  // namespace tenantry::testing
