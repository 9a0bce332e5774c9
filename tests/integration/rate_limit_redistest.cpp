// Tenant rate limiting through the real server and a real Redis: the
// RateLimit headers, 429 problem+json with Retry-After past the burst, and
// another tenant unaffected. No database: a tenant whose plan cannot be
// read is still limited, by TENANTRY_RATE_LIMIT_TENANT_* (the plans
// themselves are in tenant_limits_pgtest).
#include <gtest/gtest.h>

#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

TEST(RateLimit, ATenantPastItsBurstGets429AndOthersDoNot) {
  RedisServer redis;
  ApiProcess api(
      "postgresql://tenantry_app@127.0.0.1:1/tenantry", redis.url(),
      {{"TENANTRY_RATE_LIMIT_TENANT_RPS", "1"}, {"TENANTRY_RATE_LIMIT_TENANT_BURST", "3"}});
  auto token_for = [&](const char* tenant) {
    auto claims = TestKeys::claims();
    claims["tid"] = tenant;
    return api.keys().token(claims);
  };
  auto a = token_for("00000000-0000-4000-8000-0000000000a1");
  auto b = token_for("00000000-0000-4000-8000-0000000000b1");
  auto me = [&](const std::string& token) {
    return http_request(api.port(), "GET", "/v1/me", {{"Authorization", "Bearer " + token}});
  };
  for (int i = 0; i < 3; ++i) {
    auto ok = me(a);
    ASSERT_EQ(ok.status, 200) << i << ": " << ok.body;
    EXPECT_EQ(ok.header("ratelimit-policy"), "\"tenant\";q=3;w=3");
    EXPECT_EQ(ok.header("ratelimit").rfind("\"tenant\";r=" + std::to_string(2 - i) + ";t=", 0), 0u)
        << ok.header("ratelimit");
  }
  auto limited = me(a);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("content-type"), "application/problem+json");
  EXPECT_EQ(limited.header("retry-after"), "1");
  EXPECT_NE(limited.body.find("rate-limited"), std::string::npos);
  EXPECT_EQ(me(b).status, 200);                                      // tenant B has its own budget
  EXPECT_EQ(http_request(api.port(), "GET", "/livez").status, 200);  // anonymous: not limited
  auto metrics = http_request(api.admin_port(), "GET", "/metrics").body;
  EXPECT_NE(
      metrics.find("tenantry_ratelimit_decisions_total{policy=\"tenant\",result=\"limited\"} 1"),
      std::string::npos);
  // Redis's own memory figures, read at the scrape (ADR-009: watch Redis memory).
  EXPECT_NE(metrics.find("tenantry_redis_maxmemory_bytes{concern=\"ratelimit\"} 268435456"),
            std::string::npos);
  // Every concern's instance is watched, the job queues' too (REDIS_QUEUE_URL
  // defaults to REDIS_URL): it must never reach maxmemory.
  EXPECT_NE(metrics.find("tenantry_redis_maxmemory_bytes{concern=\"queue\"} 268435456"),
            std::string::npos);
  EXPECT_EQ(metrics.find("tenantry_redis_used_memory_bytes{concern=\"ratelimit\"} 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("tenantry_redis_breaker_state{concern=\"ratelimit\"} 0"),
            std::string::npos);
  EXPECT_NE(metrics.find("tenantry_redis_command_duration_seconds_count{concern=\"ratelimit\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace tenantry::testing
