// Rate-limit policies as data, through the real server, PostgreSQL and
// Redis: each plan's tenant and user limits, a plan changed at runtime (by
// PATCH, at once; by `tenantryctl plan set`, within the cache TTL), a
// suspended tenant refused at the door, and sign-in limited per client
// address and per account, also while Redis is down.
#include <gtest/gtest.h>

#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

using namespace std::chrono_literals;

class TenantLimitsTest : public ::testing::Test {
 protected:
  TenantLimitsTest() {
    pg_.migrate();
    // free: tenants 4 at once, users 2 at once; one more per 100 s.
    plan_set("free",
             {"--tenant-rps", "1", "--tenant-burst", "4", "--user-rps", "1", "--user-burst", "2"});
    tenant_ = create_tenant("acme");
  }

  std::string ctl(std::vector<std::string> args, int expect = 0) {
    args.insert(args.begin(), (binary_dir() / "bin/tenantryctl").string());
    ChildProcess process(args, {{"SYSTEM_DATABASE_URL", pg_.system_url()}},
                         dir_.path() / ("ctl" + std::to_string(++ctl_runs_) + ".log"));
    auto code = process.wait(30s);
    EXPECT_EQ(code, expect) << process.log();
    return process.log();
  }
  void plan_set(const std::string& plan, std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"plan", "set", plan});
    ctl(flags);
  }
  std::string create_tenant(const std::string& slug) {
    auto made = testing::create_tenant(pg_, slug, "owner@" + slug + ".example");
    password_ = made.password;
    return made.id;
  }
  std::string token(const std::string& tenant, const std::string& subject,
                    std::vector<std::string> roles = {"member"}) {
    auto claims = TestKeys::claims();
    claims["tid"] = tenant;
    claims["sub"] = subject;
    claims["roles"] = boost::json::array(roles.begin(), roles.end());
    return api_->keys().token(claims);
  }
  HttpResult me(const std::string& token) {
    return http_request(api_->port(), "GET", "/v1/me", {{"Authorization", "Bearer " + token}});
  }
  HttpResult patch_tenant(const std::string& operator_token, const std::string& body) {
    return http_request(
        api_->port(), "PATCH", "/v1/tenants/" + tenant_,
        {{"Authorization", "Bearer " + operator_token}, {"Content-Type", "application/json"}},
        body);
  }
  HttpResult sign_in(const std::string& password, const std::string& email,
                     const std::string& client = "198.51.100.7") {
    return http_request(
        api_->port(), "POST", "/v1/auth/token",
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Forwarded-For", client}},
        "grant_type=password&tenant=acme&username=" + email + "&password=" + password);
  }
  void start(std::map<std::string, std::string> env = {}) {
    api_.emplace(pg_.url(), redis_.url(), std::move(env));
  }

  TempDir dir_;
  PostgresServer pg_;
  RedisServer redis_;
  std::optional<ApiProcess> api_;
  std::string tenant_, password_;
  int ctl_runs_ = 0;
};

TEST_F(TenantLimitsTest, ATenantAndEachOfItsUsersAreLimitedByThePlan) {
  start();
  auto alice = token(tenant_, "alice"), bob = token(tenant_, "bob"),
       carol = token(tenant_, "carol");
  auto first = me(alice);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("ratelimit-policy"), "\"tenant\";q=4;w=4, \"user\";q=2;w=2");
  EXPECT_EQ(first.header("ratelimit").rfind("\"user\";r=1;t=", 0), 0u) << first.header("ratelimit");
  EXPECT_EQ(me(alice).status, 200);
  auto alice_limited = me(alice);  // her own burst of 2 is spent
  EXPECT_EQ(alice_limited.status, 429);
  EXPECT_EQ(alice_limited.header("ratelimit").rfind("\"user\";r=0;", 0), 0u);
  EXPECT_EQ(me(bob).status, 200);  // the tenant has 2 left: bob's and one more
  EXPECT_EQ(me(bob).status, 200);
  auto tenant_limited = me(carol);  // carol has her own budget, but the tenant's is spent
  EXPECT_EQ(tenant_limited.status, 429);
  EXPECT_EQ(tenant_limited.header("ratelimit").rfind("\"tenant\";r=0;", 0), 0u)
      << tenant_limited.header("ratelimit");
  EXPECT_NE(tenant_limited.header("retry-after"), "");

  auto other = create_tenant("other");  // another tenant: its own budget
  EXPECT_EQ(me(token(other, "alice")).status, 200);
  auto metrics = http_request(api_->admin_port(), "GET", "/metrics").body;
  EXPECT_NE(
      metrics.find("tenantry_ratelimit_decisions_total{policy=\"user\",result=\"limited\"} 1"),
      std::string::npos);
  EXPECT_NE(
      metrics.find("tenantry_ratelimit_decisions_total{policy=\"tenant\",result=\"limited\"} 1"),
      std::string::npos);
  EXPECT_EQ(metrics.find(tenant_), std::string::npos) << "no tenant id in metrics";
}

TEST_F(TenantLimitsTest, PlansChangeAtRuntimeWithoutARestart) {
  // Rates high enough that no request here is refused: what is used under
  // one policy stays owed under the next (see docs/operations.md).
  plan_set("free", {"--tenant-rps", "10", "--tenant-burst", "40", "--user-rps", "10",
                    "--user-burst", "20"});
  start({{"TENANTRY_CACHE_TTL_MS", "300"}});
  auto operator_token = token(tenant_, "operator-1", {"platform-admin"});
  auto alice = token(tenant_, "alice");
  EXPECT_EQ(me(alice).header("ratelimit-policy"), "\"tenant\";q=40;w=4, \"user\";q=20;w=2");

  // A tenant moved to another plan: the next request already sees it.
  auto patched = patch_tenant(operator_token, R"({"plan":"pro"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_NE(patched.body.find("\"plan\":\"pro\""), std::string::npos);
  EXPECT_EQ(me(alice).header("ratelimit-policy"), "\"tenant\";q=400;w=2, \"user\";q=100;w=2");

  auto bad = patch_tenant(operator_token, R"({"plan":"platinum"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("plan: expected one of enterprise, free, pro"), std::string::npos);

  // A plan's limits changed by the operator: within the cache TTL.
  plan_set("pro", {"--user-burst", "7"});
  EXPECT_TRUE(wait_until(
      [&] { return me(alice).header("ratelimit-policy").ends_with("\"user\";q=7;w=1"); }, 5s));
  EXPECT_NE(ctl({"plan", "set", "platinum", "--user-rps", "1"}, 2).find("platinum"),
            std::string::npos);
}

TEST_F(TenantLimitsTest, ASuspendedTenantIsRefusedAtTheDoorOnEveryRoute) {
  start();
  auto operator_token = token(create_tenant("ops"), "operator-1", {"platform-admin"});
  auto alice = token(tenant_, "alice");
  ASSERT_EQ(me(alice).status, 200);  // cached as active
  auto suspend = [&](const char* status) {
    return patch_tenant(operator_token, std::string(R"({"status":")") + status + "\"}").status;
  };
  ASSERT_EQ(suspend("suspended"), 200);
  auto refused = me(alice);  // /v1/me reads no table: the cached record refuses it
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("tenant-suspended"), std::string::npos);
  ASSERT_EQ(suspend("active"), 200);
  EXPECT_EQ(me(alice).status, 200);
  // A token for a tenant that does not exist is refused the same way.
  EXPECT_EQ(me(token("00000000-0000-4000-8000-0000000000ee", "x")).status, 403);
}

TEST_F(TenantLimitsTest, SignInIsLimitedPerClientAddress) {
  start({{"TENANTRY_RATE_LIMIT_IP_RPS", "1"}, {"TENANTRY_RATE_LIMIT_IP_BURST", "3"}});
  for (int i = 0; i < 3; ++i) {
    auto res = sign_in("wrong", "nobody%40acme.example", "198.51.100.1");
    EXPECT_EQ(res.status, 400) << res.body;
    EXPECT_EQ(res.header("ratelimit-policy"), "\"client_ip\";q=3;w=3");
  }
  auto limited = sign_in("wrong", "nobody%40acme.example", "198.51.100.1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("content-type"), "application/problem+json");
  EXPECT_EQ(limited.header("retry-after"), "1");
  EXPECT_EQ(sign_in(password_, "owner%40acme.example", "198.51.100.2").status, 200);
  // Health checks are anonymous too, and never limited.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(http_request(api_->port(), "GET", "/livez").status, 200);
}

TEST_F(TenantLimitsTest, FailedSignInsLockTheAccountAlsoWithoutRedis) {
  auto acme_password = password_;
  create_tenant("beta");
  auto beta_password = password_;
  start({{"TENANTRY_SIGN_IN_FAILURE_BURST", "3"}, {"TENANTRY_SIGN_IN_FAILURE_INTERVAL_S", "100"}});
  auto beta = [&](const std::string& password) {
    return http_request(
               api_->port(), "POST", "/v1/auth/token",
               {{"Content-Type", "application/x-www-form-urlencoded"}},
               "grant_type=password&tenant=beta&username=owner%40beta.example&password=" + password)
        .status;
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sign_in("wrong", "owner%40acme.example").status, 400);
  auto locked = sign_in(acme_password, "OWNER%40acme.example");  // even the right password
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_NE(locked.body.find("too many failed sign-ins"), std::string::npos);
  EXPECT_GE(std::stoi(locked.header("retry-after")), 90);
  EXPECT_EQ(beta("wrong"), 400);
  EXPECT_EQ(beta(beta_password), 200);  // another account is not locked; success clears its count

  // Redis down: the replica counts failures itself.
  redis_.stop();
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) statuses.push_back(beta("wrong"));
  EXPECT_EQ(statuses, (std::vector<int>{400, 400, 400, 429, 429}));
  auto metrics = http_request(api_->admin_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("tenantry_ratelimit_decisions_total{policy=\"sign_in_address\",result="
                         "\"decided_locally\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace tenantry::testing
