// GCRA in a real Redis: a burst at once, then the sustained rate; subjects
// apart; and what happens when Redis cannot decide.
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
  std::vector<ratelimit::Decision> decide(ratelimit::RateLimiter& limiter,
                                          const ratelimit::Policy& policy,
                                          const std::string& subject, int times) {
    return run_coro(context_, [&]() -> asio::awaitable<std::vector<ratelimit::Decision>> {
      std::vector<ratelimit::Decision> out;
      for (int i = 0; i < times; ++i) out.push_back(co_await limiter.decide(policy, subject));
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
  ratelimit::RateLimiter limiter(client, true);
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

TEST_F(GcraTest, WithoutRedisTheLimiterFailsOpenOrClosedAsConfigured) {
  auto url = "redis://127.0.0.1:" + std::to_string(free_port());
  redis::Client client(config(url), contexts_, logger_);
  ratelimit::RateLimiter open(client, true), closed(client, false);
  ratelimit::Policy policy{"tenant", 10, 5};
  auto a = decide(open, policy, "t:a", 1)[0];
  EXPECT_TRUE(a.allowed);
  EXPECT_TRUE(a.failed_open);
  auto b = decide(closed, policy, "t:a", 1)[0];
  EXPECT_FALSE(b.allowed);
  EXPECT_FALSE(b.failed_open);
}

}  // namespace
}  // namespace tenantry::testing
