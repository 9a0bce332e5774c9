// The cross-tenant matrix: tenant B's owner against tenant A's resources,
// through the real server. Every route with a path parameter is called with
// A's id and must answer 404 (never 403: that would confirm the id exists);
// every list must hold none of A's ids. The route table comes from the
// server itself (the admin listener's GET /routes), so a new route that
// this matrix does not cover fails the test until it is added below.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct Tenant {
  std::string id, owner, password;
};

class CrossTenantTest : public ::testing::Test {
 protected:
  CrossTenantTest() {
    pg_.migrate();
    a_ = create("tenant-a", "owner@a.example");
    b_ = create("tenant-b", "owner@b.example");
  }

  Tenant create(const std::string& slug, const std::string& email) {
    auto made = create_tenant(pg_, slug, email);
    return {made.id, made.owner, made.password};
  }
  std::string owner_token(const Tenant& tenant) {
    auto claims = TestKeys::claims();
    claims["tid"] = tenant.id;
    claims["sub"] = tenant.owner;
    claims["roles"] = {"owner"};
    return api_.keys().token(claims);
  }
  HttpResult call(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return http_request(api_.port(), method, path, headers, body);
  }

  PostgresServer pg_;
  RedisServer redis_;
  ApiProcess api_{pg_.url(), redis_.url()};
  Tenant a_, b_;
};

TEST_F(CrossTenantTest, TenantBNeverReachesTenantAsResources) {
  auto token_a = owner_token(a_), token_b = owner_token(b_);
  auto member =
      call("POST", "/v1/users", token_a,
           R"({"email":"member@a.example","role":"member","password":"a long password"})");
  ASSERT_EQ(member.status, 201) << member.body;
  auto member_id = std::string(json::parse(member.body).as_object().at("id").as_string());
  auto account = call("POST", "/v1/service-accounts", token_a, R"({"name":"ci","role":"member"})");
  ASSERT_EQ(account.status, 201) << account.body;
  auto account_id = std::string(json::parse(account.body).as_object().at("id").as_string());

  // A resource of tenant A for every path parameter a route can take.
  const std::map<std::string, std::string> ids_of_a{{"/v1/users/{id}", member_id},
                                                    {"/v1/tenants/{id}", a_.id},
                                                    {"/v1/service-accounts/{id}", account_id}};
  const std::map<std::string, std::string> bodies{
      {"PATCH /v1/users/{id}", R"({"role":"viewer"})"},
      {"PATCH /v1/tenants/{id}", R"({"status":"suspended"})"}};
  std::set<std::string> a_ids{a_.id, a_.owner, member_id, account_id};

  auto routes = http_request(api_.admin_port(), "GET", "/routes");
  ASSERT_EQ(routes.status, 200) << routes.body;
  int checked = 0;
  auto table = json::parse(routes.body);
  for (const auto& entry : table.as_object().at("routes").as_array()) {
    const auto& route = entry.as_object();
    std::string method(route.at("method").as_string()), pattern(route.at("pattern").as_string());
    if (route.at("anonymous").as_bool()) continue;
    if (pattern.find('{') == std::string::npos) {
      if (method != "GET") continue;  // writes without an id act on the caller's own tenant
      auto res = call(method, pattern, token_b);
      EXPECT_LT(res.status, 500) << method << " " << pattern;
      for (const auto& id : a_ids)
        EXPECT_EQ(res.body.find(id), std::string::npos)
            << method << " " << pattern << " shows " << id;
      ++checked;
      continue;
    }
    auto id = ids_of_a.find(pattern);
    ASSERT_NE(id, ids_of_a.end()) << method << " " << pattern
                                  << ": a route with a path parameter not covered by this matrix";
    auto path = std::regex_replace(pattern, std::regex("\\{[^}]+\\}"), id->second);
    auto key = method + " " + pattern;
    auto body = bodies.count(key) ? bodies.at(key) : "";
    auto res = call(method, path, token_b, body);
    // B's owner: 404 where an owner may call, 403 (the role, whatever the
    // id) where only operators may.
    bool owner_may = false;
    for (const auto& role : route.at("roles").as_array()) owner_may |= role.as_string() == "owner";
    owner_may |= route.at("roles").as_array().empty();
    EXPECT_EQ(res.status, owner_may ? 404 : 403) << method << " " << path << ": " << res.body;
    ++checked;
  }
  EXPECT_GE(checked, 5);
  // And tenant A still sees its member, unchanged.
  auto still = call("GET", "/v1/users/" + member_id, token_a);
  ASSERT_EQ(still.status, 200);
  EXPECT_NE(still.body.find("\"role\":\"member\""), std::string::npos) << still.body;
  EXPECT_NE(still.body.find("\"status\":\"active\""), std::string::npos) << still.body;
}

TEST_F(CrossTenantTest, MembersAreManagedByOwnersAndTheLastOwnerStays) {
  auto token_a = owner_token(a_);
  auto admin = call("POST", "/v1/users", token_a,
                    R"({"email":"admin@a.example","role":"admin","password":"a long password"})");
  ASSERT_EQ(admin.status, 201) << admin.body;
  auto admin_id = std::string(json::parse(admin.body).as_object().at("id").as_string());
  auto claims = TestKeys::claims();
  claims["tid"] = a_.id;
  claims["sub"] = admin_id;
  claims["roles"] = {"admin"};
  auto token_admin = api_.keys().token(claims);
  claims["roles"] = {"member"};
  auto token_member = api_.keys().token(claims);

  EXPECT_EQ(call("GET", "/v1/users", token_member).status, 403);
  EXPECT_EQ(call("POST", "/v1/users", token_admin,
                 R"({"email":"x@a.example","role":"owner","password":"a long password"})")
                .status,
            403);  // only owners make owners
  EXPECT_EQ(call("PATCH", "/v1/users/" + a_.owner, token_admin, R"({"role":"member"})").status,
            403);
  auto duplicate =
      call("POST", "/v1/users", token_a,
           R"({"email":"ADMIN@a.example","role":"member","password":"a long password"})");
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_EQ(call("POST", "/v1/users", token_a,
                 R"({"email":"y@a.example","role":"boss","password":"a long password"})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/users", token_a,
                 R"({"email":"y@a.example","role":"member","password":"short"})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/users", token_a, "not json").status, 400);

  auto last = call("PATCH", "/v1/users/" + a_.owner, token_a, R"({"role":"admin"})");
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_NE(last.body.find("last-owner"), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/users/" + a_.owner, token_a).status, 409);

  // With a second owner, the first may step down.
  ASSERT_EQ(call("PATCH", "/v1/users/" + admin_id, token_a, R"({"role":"owner"})").status, 200);
  EXPECT_EQ(call("PATCH", "/v1/users/" + a_.owner, token_a, R"({"role":"admin"})").status, 200);
  EXPECT_EQ(call("DELETE", "/v1/users/" + admin_id, token_a).status, 409);  // now the last owner
  EXPECT_EQ(call("GET", "/v1/users/not-a-uuid", token_a).status, 404);
}

TEST_F(CrossTenantTest, OperatorsCreateAndSuspendTenants) {
  auto claims = TestKeys::claims();
  claims["tid"] = b_.id;
  claims["sub"] = "operator-1";
  claims["roles"] = {"platform-admin"};
  auto operator_token = api_.keys().token(claims);
  auto token_a = owner_token(a_);
  EXPECT_EQ(call("POST", "/v1/tenants", token_a, R"({"slug":"x"})").status,
            403);  // owners are not operators

  auto created = call(
      "POST", "/v1/tenants", operator_token,
      R"({"slug":"tenant-c","name":"C","owner_email":"owner@c.example","owner_password":"a long password"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(
      call(
          "POST", "/v1/tenants", operator_token,
          R"({"slug":"tenant-c","name":"C2","owner_email":"o@c.example","owner_password":"a long password"})")
          .status,
      409);

  ASSERT_EQ(call("GET", "/v1/users", token_a).status, 200);
  auto suspended =
      call("PATCH", "/v1/tenants/" + a_.id, operator_token, R"({"status":"suspended"})");
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  auto refused = call("GET", "/v1/users", token_a);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("tenant-suspended"), std::string::npos);
  auto sign_in = http_request(
      api_.port(), "POST", "/v1/auth/token",
      {{"Content-Type", "application/x-www-form-urlencoded"}},
      "grant_type=password&tenant=tenant-a&username=owner%40a.example&password=" + a_.password);
  EXPECT_EQ(sign_in.status, 400) << sign_in.body;  // invalid_grant while suspended

  ASSERT_EQ(call("PATCH", "/v1/tenants/" + a_.id, operator_token, R"({"status":"active"})").status,
            200);
  EXPECT_EQ(call("GET", "/v1/users", token_a).status, 200);
  EXPECT_EQ(call("PATCH", "/v1/tenants/00000000-0000-4000-8000-0000000000ff", operator_token,
                 R"({"status":"active"})")
                .status,
            404);
}

}  // namespace
}  // namespace tenantry::testing
