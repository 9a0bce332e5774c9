// What the tenant and user limits do when Redis cannot decide, through the
// real server: with TENANTRY_RATE_LIMIT_FAIL_OPEN=false an authenticated
// request is refused (503 problem+json rate-limit-unavailable, Retry-After:
// the client is not over its limit) and counted as failed_closed; by
// default it passes and is counted as failed_open. Both from
// the first request after Redis stops (breaker still closed: the plan's
// tenant and user limits) and once the breaker is open (the fallback
// tenant limit alone). A real PostgreSQL holds the tenant and its plan.
#include <gtest/gtest.h>

#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

using namespace std::chrono_literals;

// More than the breaker's 5 failures: the last ones find it open.
constexpr int kRequestsWhileDown = 8;

class RateLimitRedisDownTest : public ::testing::Test {
 protected:
  RateLimitRedisDownTest() {
    pg_.migrate();
    auto made = create_tenant(pg_, "acme", "owner@acme.example", "pro");
    tenant_ = made.id;
    owner_ = made.owner;
  }

  void start_api(std::map<std::string, std::string> env) {
    api_.emplace(pg_.url(), redis_.url(), std::move(env));
    auto claims = TestKeys::claims();
    claims["tid"] = tenant_;
    claims["sub"] = owner_;
    claims["roles"] = {"owner"};
    bearer_ = api_->keys().token(claims);
  }

  HttpResult me() {
    return http_request(api_->port(), "GET", "/v1/me", {{"Authorization", "Bearer " + bearer_}});
  }

  // One series of the admin listener's /metrics; -1 when absent.
  double metric(const std::string& policy, const std::string& result) {
    auto series = "tenantry_ratelimit_decisions_total{policy=\"" + policy + "\",result=\"" +
                  result + "\"}";
    auto text = http_request(api_->admin_port(), "GET", "/metrics").body;
    auto at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
  }

  PostgresServer pg_;
  RedisServer redis_;
  std::optional<ApiProcess> api_;
  std::string tenant_, owner_, bearer_;
};

TEST_F(RateLimitRedisDownTest, FailClosedRefusesWhileRedisIsDownAndCountsTheRefusals) {
  start_api({{"TENANTRY_RATE_LIMIT_FAIL_OPEN", "false"}});
  auto up = me();
  ASSERT_EQ(up.status, 200) << up.body;  // decided in Redis: the limit itself allows it
  EXPECT_FALSE(up.header("ratelimit").empty());
  EXPECT_EQ(metric("tenant", "allowed"), 1);
  EXPECT_EQ(metric("tenant", "limited"), 0);

  redis_.stop();
  for (int i = 0; i < kRequestsWhileDown; ++i) {
    auto refused = me();
    EXPECT_EQ(refused.status, 503) << i << ": " << refused.body;
    EXPECT_EQ(refused.header("content-type"), "application/problem+json") << i;
    EXPECT_EQ(refused.header("retry-after"), "1") << i;
    EXPECT_EQ(refused.header("ratelimit"), "") << i << ": no count to report";
    EXPECT_NE(refused.body.find("rate-limit-unavailable"), std::string::npos)
        << i << ": " << refused.body;
    EXPECT_EQ(refused.body.find("\"subject\""), std::string::npos) << i << ": the handler ran";
  }
  EXPECT_EQ(metric("tenant", "failed_closed"), kRequestsWhileDown);
  EXPECT_EQ(count_occurrences(api_->process().log(), "failing closed"), 1u)
      << api_->process().log();
  EXPECT_EQ(metric("tenant", "limited"), 0);
  EXPECT_EQ(metric("tenant", "failed_open"), 0);
  EXPECT_EQ(metric("user", "failed_open"), 0);
  EXPECT_EQ(metric("tenant", "allowed"), 1);
  // Anonymous routes have no tenant limit: still answered.
  EXPECT_EQ(http_request(api_->port(), "GET", "/livez").status, 200);

  // Redis back: once the breaker lets a probe through, requests pass again.
  redis_.start();
  EXPECT_TRUE(wait_until([&] { return me().status == 200; }, 15s, 100ms))
      << "still refused after Redis came back";
}

TEST_F(RateLimitRedisDownTest, FailOpenByDefaultLetsRequestsThroughAndCountsThem) {
  start_api({});
  ASSERT_EQ(me().status, 200);
  EXPECT_EQ(metric("tenant", "failed_open"), 0);

  redis_.stop();
  for (int i = 0; i < kRequestsWhileDown; ++i) {
    auto passed = me();
    EXPECT_EQ(passed.status, 200) << i << ": " << passed.body;
    EXPECT_NE(passed.body.find("\"subject\":\"" + owner_ + "\""), std::string::npos)
        << i << ": " << passed.body;
    // Nothing was decided: no remaining budget to announce.
    EXPECT_EQ(passed.header("ratelimit"), "") << i;
  }
  // Every request counts once against its tenant limit.
  EXPECT_EQ(metric("tenant", "failed_open"), kRequestsWhileDown);
  EXPECT_EQ(metric("tenant", "limited"), 0);
  EXPECT_EQ(metric("tenant", "allowed"), 1);
  // Warned at most every 10 s: once here.
  EXPECT_EQ(count_occurrences(api_->process().log(), "failing open"), 1u)
      << api_->process().log();
}

}  // namespace
}  // namespace tenantry::testing
