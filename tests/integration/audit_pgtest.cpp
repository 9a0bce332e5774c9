// The audit trail through the real server and a real PostgreSQL: every
// change to a user, a service account or a tenant writes exactly one
// audit_log row, in its own transaction, naming the tenant, the token's
// subject, the action, the resource and the caller's X-Request-ID; a
// refused change (400, 403, 404, 409) writes none. Rows are read as
// tenantry_system (audit_log forces Row-Level Security, so even its owner
// sees nothing without a tenant).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/json.hpp>

#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

namespace json = boost::json;

struct AuditRow {
  std::string tenant_id, actor, action, resource, request_id;
  json::value details;
};

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() {
    pg_.migrate();
    auto made = create_tenant(pg_, "acme", "owner@acme.example", "pro");
    tenant_ = made.id;
    owner_ = made.owner;
    auto other = create_tenant(pg_, "other", "owner@other.example", "pro");
    other_tenant_ = other.id;
  }

  std::string token(const std::string& tenant, const std::string& subject,
                    const std::string& role) {
    auto claims = TestKeys::claims();
    claims["tid"] = tenant;
    claims["sub"] = subject;
    claims["roles"] = json::array{json::string(role)};
    return api_.keys().token(claims);
  }
  std::string owner_token() { return token(tenant_, owner_, "owner"); }
  std::string operator_token() { return token(other_tenant_, "operator-7", "platform-admin"); }

  // One request with its own X-Request-ID; the server must echo it.
  HttpResult call(const std::string& method, const std::string& path, const std::string& bearer,
                  const std::string& request_id, const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + bearer},
                                                             {"X-Request-ID", request_id}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto res = http_request(api_.port(), method, path, headers, body);
    EXPECT_EQ(res.header("x-request-id"), request_id) << method << " " << path;
    return res;
  }

  // Parameterized queries as tenantry_system (BYPASSRLS, SELECT on audit_log).
  PGresult* query(const std::string& sql, const std::vector<std::string>& params) {
    PGconn* conn = PQconnectdb(pg_.system_url().c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string error = PQerrorMessage(conn);
      PQfinish(conn);
      throw std::runtime_error("cannot connect as tenantry_system: " + error);
    }
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* res = PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      std::string error = PQerrorMessage(conn);
      PQclear(res);
      PQfinish(conn);
      throw std::runtime_error(sql + ": " + error);
    }
    PQfinish(conn);
    return res;
  }

  std::vector<AuditRow> rows_of(const std::string& request_id) {
    PGresult* res = query(
        "SELECT tenant_id::text, actor, action, resource, request_id, details::text "
        "FROM audit_log WHERE request_id = $1 ORDER BY id",
        {request_id});
    std::vector<AuditRow> rows;
    for (int i = 0; i < PQntuples(res); ++i) {
      rows.push_back({PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                      PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
                      json::parse(PQgetvalue(res, i, 5))});
    }
    PQclear(res);
    return rows;
  }

  long total_rows() {
    PGresult* res = query("SELECT count(*) FROM audit_log", {});
    long n = std::stol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
  }

  // The change answered `status` and wrote exactly one row, which is `expected`.
  void expect_one_row(const HttpResult& res, int status, const AuditRow& expected,
                      long rows_before) {
    const auto& id = expected.request_id;
    EXPECT_EQ(res.status, status) << id << ": " << res.body;
    EXPECT_EQ(total_rows(), rows_before + 1) << id << ": one change, one row";
    auto rows = rows_of(id);
    ASSERT_EQ(rows.size(), 1u) << id;
    EXPECT_EQ(rows[0].tenant_id, expected.tenant_id) << id;
    EXPECT_EQ(rows[0].actor, expected.actor) << id;
    EXPECT_EQ(rows[0].action, expected.action) << id;
    EXPECT_EQ(rows[0].resource, expected.resource) << id;
    EXPECT_EQ(rows[0].details, expected.details) << id << ": " << json::serialize(rows[0].details);
  }

  // The change was refused with `status` and wrote nothing.
  void expect_no_row(const HttpResult& res, int status, const std::string& request_id,
                     long rows_before) {
    EXPECT_EQ(res.status, status) << request_id << ": " << res.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json") << request_id;
    EXPECT_TRUE(rows_of(request_id).empty()) << request_id << " was audited";
    EXPECT_EQ(total_rows(), rows_before) << request_id;
  }

  static std::string id_of(const HttpResult& res) {
    return std::string(json::parse(res.body).as_object().at("id").as_string());
  }

  PostgresServer pg_;
  RedisServer redis_;
  ApiProcess api_{pg_.url(), redis_.url()};
  std::string tenant_, owner_, other_tenant_;
};

TEST_F(AuditTest, EachChangeToAUserWritesOneRow) {
  auto bearer = owner_token();
  auto before = total_rows();
  auto created = call("POST", "/v1/users", bearer, "audit-user-create",
                      R"({"email":"member@acme.example","role":"member","password":"a long password"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto user = id_of(created);
  expect_one_row(created, 201,
                 {tenant_, owner_, "user_created", "user:" + user, "audit-user-create",
                  json::object{}},
                 before);

  before = total_rows();
  expect_one_row(
      call("PATCH", "/v1/users/" + user, bearer, "audit-user-patch", R"({"role":"viewer"})"), 200,
      {tenant_, owner_, "user_changed", "user:" + user, "audit-user-patch", json::object{}},
      before);

  // Deactivating through PATCH is the same action as DELETE.
  before = total_rows();
  expect_one_row(call("PATCH", "/v1/users/" + user, bearer, "audit-user-patch-deactivate",
                      R"({"status":"deactivated"})"),
                 200,
                 {tenant_, owner_, "user_deactivated", "user:" + user,
                  "audit-user-patch-deactivate", json::object{}},
                 before);
  before = total_rows();
  expect_one_row(
      call("PATCH", "/v1/users/" + user, bearer, "audit-user-reactivate", R"({"status":"active"})"),
      200,
      {tenant_, owner_, "user_changed", "user:" + user, "audit-user-reactivate", json::object{}},
      before);

  before = total_rows();
  expect_one_row(call("DELETE", "/v1/users/" + user, bearer, "audit-user-delete"), 204,
                 {tenant_, owner_, "user_deactivated", "user:" + user, "audit-user-delete",
                  json::object{}},
                 before);

  // The actor is whoever the token names: an admin's change is the admin's.
  auto admin = call("POST", "/v1/users", bearer, "audit-admin-create",
                    R"({"email":"admin@acme.example","role":"admin","password":"a long password"})");
  ASSERT_EQ(admin.status, 201) << admin.body;
  auto admin_id = id_of(admin);
  before = total_rows();
  auto by_admin = call("POST", "/v1/users", token(tenant_, admin_id, "admin"), "audit-by-admin",
                       R"({"email":"viewer@acme.example","role":"viewer","password":"a long password"})");
  ASSERT_EQ(by_admin.status, 201) << by_admin.body;
  expect_one_row(by_admin, 201,
                 {tenant_, admin_id, "user_created", "user:" + id_of(by_admin), "audit-by-admin",
                  json::object{}},
                 before);
}

TEST_F(AuditTest, ARefusedChangeToAUserWritesNoRow) {
  auto bearer = owner_token();
  auto member = call("POST", "/v1/users", bearer, "audit-setup-member",
                     R"({"email":"member@acme.example","role":"member","password":"a long password"})");
  ASSERT_EQ(member.status, 201) << member.body;
  auto member_id = id_of(member);
  auto admin = call("POST", "/v1/users", bearer, "audit-setup-admin",
                    R"({"email":"admin@acme.example","role":"admin","password":"a long password"})");
  ASSERT_EQ(admin.status, 201) << admin.body;
  auto admin_bearer = token(tenant_, id_of(admin), "admin");
  const std::string nobody = "00000000-0000-4000-8000-0000000000ee";

  auto before = total_rows();
  expect_no_row(call("POST", "/v1/users", bearer, "refused-duplicate",
                     R"({"email":"MEMBER@acme.example","role":"member","password":"a long password"})"),
                409, "refused-duplicate", before);
  expect_no_row(call("POST", "/v1/users", bearer, "refused-role",
                     R"({"email":"x@acme.example","role":"boss","password":"a long password"})"),
                400, "refused-role", before);
  expect_no_row(call("POST", "/v1/users", admin_bearer, "refused-owner-by-admin",
                     R"({"email":"x@acme.example","role":"owner","password":"a long password"})"),
                403, "refused-owner-by-admin", before);
  expect_no_row(call("PATCH", "/v1/users/" + nobody, bearer, "refused-patch-unknown",
                     R"({"role":"viewer"})"),
                404, "refused-patch-unknown", before);
  expect_no_row(call("PATCH", "/v1/users/" + member_id, bearer, "refused-patch-empty", "{}"), 400,
                "refused-patch-empty", before);
  expect_no_row(call("DELETE", "/v1/users/" + nobody, bearer, "refused-delete-unknown"), 404,
                "refused-delete-unknown", before);
  // Refused inside the transaction, after the owners were locked.
  expect_no_row(call("PATCH", "/v1/users/" + owner_, bearer, "refused-last-owner-patch",
                     R"({"role":"admin"})"),
                409, "refused-last-owner-patch", before);
  expect_no_row(call("DELETE", "/v1/users/" + owner_, bearer, "refused-last-owner-delete"), 409,
                "refused-last-owner-delete", before);
  expect_no_row(call("PATCH", "/v1/users/" + owner_, admin_bearer, "refused-owner-by-admin-patch",
                     R"({"role":"member"})"),
                403, "refused-owner-by-admin-patch", before);
  // Another tenant's user is not found, and not audited in either tenant.
  auto foreign = token(other_tenant_, "someone", "owner");
  expect_no_row(call("DELETE", "/v1/users/" + member_id, foreign, "refused-foreign-delete"), 404,
                "refused-foreign-delete", before);
}

TEST_F(AuditTest, EachChangeToAServiceAccountWritesOneRowAndARefusedOneNone) {
  auto bearer = owner_token();
  auto before = total_rows();
  auto created = call("POST", "/v1/service-accounts", bearer, "audit-sa-create",
                      R"({"name":"ci","role":"member"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto account = id_of(created);
  expect_one_row(created, 201,
                 {tenant_, owner_, "service_account_created", "service_account:" + account,
                  "audit-sa-create", json::object{}},
                 before);
  before = total_rows();
  expect_one_row(call("DELETE", "/v1/service-accounts/" + account, bearer, "audit-sa-disable"),
                 204,
                 {tenant_, owner_, "service_account_disabled", "service_account:" + account,
                  "audit-sa-disable", json::object{}},
                 before);

  before = total_rows();
  // A role the table refuses: the INSERT fails inside the transaction.
  expect_no_row(call("POST", "/v1/service-accounts", bearer, "refused-sa-role",
                     R"({"name":"ci2","role":"owner"})"),
                400, "refused-sa-role", before);
  expect_no_row(
      call("POST", "/v1/service-accounts", bearer, "refused-sa-no-name", R"({"role":"member"})"),
      400, "refused-sa-no-name", before);
  expect_no_row(call("DELETE", "/v1/service-accounts/00000000-0000-4000-8000-0000000000ee", bearer,
                     "refused-sa-unknown"),
                404, "refused-sa-unknown", before);
  auto foreign = token(other_tenant_, "someone", "owner");
  expect_no_row(
      call("DELETE", "/v1/service-accounts/" + account, foreign, "refused-sa-foreign"), 404,
      "refused-sa-foreign", before);
}

TEST_F(AuditTest, EachChangeToATenantWritesOneRowInThatTenantAndARefusedOneNone) {
  auto bearer = operator_token();
  auto before = total_rows();
  auto created = call(
      "POST", "/v1/tenants", bearer, "audit-tenant-create",
      R"({"slug":"new-co","name":"New Co","owner_email":"owner@new.example","owner_password":"a long password"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto tenant = id_of(created);
  // In the new tenant, not in the operator's own.
  expect_one_row(created, 201,
                 {tenant, "operator-7", "tenant_created", "tenant", "audit-tenant-create",
                  json::object{}},
                 before);

  before = total_rows();
  expect_one_row(call("PATCH", "/v1/tenants/" + tenant_, bearer, "audit-tenant-patch",
                      R"({"status":"suspended","plan":"enterprise"})"),
                 200,
                 {tenant_, "operator-7", "tenant_changed", "tenant", "audit-tenant-patch",
                  json::object{{"status", "suspended"}, {"plan", "enterprise"}}},
                 before);
  // Only what was asked for is in the details.
  before = total_rows();
  expect_one_row(call("PATCH", "/v1/tenants/" + tenant_, bearer, "audit-tenant-reactivate",
                      R"({"status":"active"})"),
                 200,
                 {tenant_, "operator-7", "tenant_changed", "tenant", "audit-tenant-reactivate",
                  json::object{{"status", "active"}}},
                 before);

  before = total_rows();
  // The slug is taken: refused by the INSERT, inside the transaction.
  expect_no_row(
      call("POST", "/v1/tenants", bearer, "refused-tenant-slug",
           R"({"slug":"acme","name":"Again","owner_email":"o@again.example","owner_password":"a long password"})"),
      409, "refused-tenant-slug", before);
  expect_no_row(
      call("POST", "/v1/tenants", bearer, "refused-tenant-bad-slug",
           R"({"slug":"-bad","name":"Bad","owner_email":"o@bad.example","owner_password":"a long password"})"),
      400, "refused-tenant-bad-slug", before);
  expect_no_row(call("PATCH", "/v1/tenants/00000000-0000-4000-8000-0000000000ee", bearer,
                     "refused-tenant-unknown", R"({"status":"suspended"})"),
                404, "refused-tenant-unknown", before);
  expect_no_row(call("PATCH", "/v1/tenants/" + tenant_, bearer, "refused-tenant-status",
                     R"({"status":"deleted"})"),
                400, "refused-tenant-status", before);
  expect_no_row(call("PATCH", "/v1/tenants/" + tenant_, owner_token(), "refused-tenant-by-owner",
                     R"({"status":"suspended"})"),
                403, "refused-tenant-by-owner", before);
}

}  // namespace
}  // namespace tenantry::testing
