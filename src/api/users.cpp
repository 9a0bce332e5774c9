// Members of a tenant: GET/POST /v1/users, GET/PATCH/DELETE /v1/users/{id},
// for the tenant's owners and admins. Only owners make or change owners;
// the last active owner can be neither demoted nor removed. Another
// tenant's user is 404, like a user that does not exist (Row-Level Security
// makes it so: the tenant transaction cannot see it). Every change writes
// an audit row in the same transaction.
#include <boost/json.hpp>

#include "api/database_problem.h"
#include "api/json_body.h"
#include "api/routes.h"
#include "platform/audit/audit.h"
#include "platform/auth/middleware.h"
#include "platform/http/problem.h"
#include "platform/tenancy/identifiers.h"

namespace tenantry::api {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

constexpr std::string_view kRoles[] = {"owner", "admin", "member", "viewer"};

// owner 3 > admin 2 > member 1 > viewer 0.
int role_rank(std::string_view role) {
  auto found = std::find(std::begin(kRoles), std::end(kRoles), role);
  return static_cast<int>(std::end(kRoles) - found) - 1;
}
const std::vector<std::string> kManagers = {"owner", "admin"};
constexpr std::size_t kMinPasswordLength = 12;

http::Response not_found(const http::Request& request) {
  return http::problem(404, "not-found", "Not Found", "no such user", request.request_id);
}
http::Response forbidden(const http::Request& request, std::string_view detail) {
  return http::problem(403, "forbidden", "Forbidden", detail, request.request_id);
}

http::Response conflict(const http::Request& request) {
  return http::problem(409, "conflict", "Conflict", "a user with this email exists",
                       request.request_id);
}

bool valid_role(std::string_view role) {
  return std::find(std::begin(kRoles), std::end(kRoles), role) != std::end(kRoles);
}

json::object user_json(const db::Row& row) {
  return {{"id", row[0].as<std::string>()},
          {"email", row[1].as<std::string>()},
          {"role", row[2].as<std::string>()},
          {"status", row[3].as<std::string>()},
          {"created_at", row[4].as<std::string>()}};
}

constexpr std::string_view kUserColumns =
    "id::text, email, role, status, to_char(created_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

struct Users {
  db::Database& database;
  auth::PasswordHasher& hasher;

  awaitable<http::Response> list(http::Request& request) {
    static const std::string sql =
        "SELECT " + std::string(kUserColumns) + " FROM users ORDER BY created_at, id";
    auto rows =
        co_await database.tenant_query(request.principal->tenant, db::Access::kReadOnly, sql);
    if (!rows) co_return database_problem(rows.error(), request);
    json::array users;
    for (auto row : *rows) users.push_back(user_json(row));
    co_return http::Response::json(200, json::serialize(json::object{{"users", std::move(users)}}));
  }

  awaitable<http::Response> get(http::Request& request) {
    auto id = base::Uuid::parse(request.param("id").value_or(""));
    if (!id) co_return not_found(request);
    static const std::string sql =
        "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = $1";
    auto rows = co_await database.tenant_query(request.principal->tenant, db::Access::kReadOnly,
                                               sql, id->str());
    if (!rows) co_return database_problem(rows.error(), request);
    if (rows->empty()) co_return not_found(request);
    co_return http::Response::json(200, json::serialize(user_json((*rows)[0])));
  }

  awaitable<http::Response> create(http::Request& request) {
    auto body = json_object_body(request);
    if (!body) co_return invalid_body(request, "the body must be a JSON object (Content-Type: application/json)");
    auto email = string_field(*body, "email"), role = string_field(*body, "role"),
         password = string_field(*body, "password");
    auto canonical = email ? tenancy::canonical_email(*email) : std::nullopt;
    if (!canonical)
      co_return invalid_body(request, "email: expected " + std::string(tenancy::kEmailRule));
    if (!role || !valid_role(*role))
      co_return invalid_body(request, "role: expected owner, admin, member or viewer");
    if (!password || password->size() < kMinPasswordLength || password->size() > 1024)
      co_return invalid_body(request, "password: expected 12 to 1024 characters");
    if (*role == "owner" && !request.principal->has_role("owner"))
      co_return forbidden(request, "only an owner can make an owner");
    // The cheap refusal before the costly hash; the unique index still
    // decides a race between two creations.
    auto tenant = request.principal->tenant;
    auto taken = co_await database.tenant_query(
        tenant, db::Access::kReadOnly, "SELECT 1 FROM users WHERE email_canonical = $1", *canonical);
    if (!taken) co_return database_problem(taken.error(), request);
    if (!taken->empty()) co_return conflict(request);
    auth::PasswordHasher::Sources sources{"t:" + tenant.str()};
    auto hash = co_await hasher.hash(*password, std::move(sources));
    if (!hash)
      co_return http::overloaded("too many passwords being hashed; retry shortly",
                                 request.request_id);

    auto tx = co_await database.tenant_transaction(tenant);
    if (!tx) co_return database_problem(tx.error(), request);
    static const std::string sql =
        "INSERT INTO users (tenant_id, id, email, email_canonical, password_hash, role) "
        "VALUES ($1, gen_random_uuid(), $2, $3, $4, $5) RETURNING " +
        std::string(kUserColumns);
    auto rows = co_await tx->query(sql, tenant, *email, *canonical, *hash, *role);
    if (!rows && rows.error().kind == db::ErrorKind::kConstraint) co_return conflict(request);
    if (!rows) co_return database_problem(rows.error(), request);
    auto user = user_json((*rows)[0]);
    std::string id(user.at("id").as_string());
    if (auto r = co_await record_change(*tx, request, "user_created", id); !r)
      co_return database_problem(r.error(), request);
    if (auto done = co_await tx->commit(); !done) co_return database_problem(done.error(), request);
    auto response = http::Response::json(201, json::serialize(user));
    response.with_header("Location", "/v1/users/" + id);
    co_return response;
  }

  // PATCH (role and/or status) and DELETE (status deactivated) share this.
  awaitable<http::Response> change(http::Request& request, std::optional<std::string> role,
                                   std::optional<std::string> status) {
    auto id = base::Uuid::parse(request.param("id").value_or(""));
    if (!id) co_return not_found(request);
    auto tenant = request.principal->tenant;
    auto tx = co_await database.tenant_transaction(tenant);
    if (!tx) co_return database_problem(tx.error(), request);
    // Lock the active owners first: two owners demoting each other at once
    // must not both succeed.
    auto owners = co_await tx->query(
        "SELECT id::text FROM users WHERE role = 'owner' AND status = 'active' FOR UPDATE");
    if (!owners) co_return database_problem(owners.error(), request);
    auto current =
        co_await tx->query("SELECT role, status FROM users WHERE id = $1 FOR UPDATE", id->str());
    if (!current) co_return database_problem(current.error(), request);
    if (current->empty()) co_return not_found(request);
    auto old_role = (*current)[0][0].as<std::string>();
    bool is_owner = request.principal->has_role("owner");
    if ((old_role == "owner" || role == "owner") && !is_owner)
      co_return forbidden(request, "only an owner can change an owner");
    bool stays_active_owner = role.value_or(old_role) == "owner" &&
                              status.value_or((*current)[0][1].as<std::string>()) == "active";
    bool was_active_owner =
        old_role == "owner" && (*current)[0][1].as<std::string_view>() == "active";
    if (was_active_owner && !stays_active_owner && owners->size() <= 1) {
      co_return http::problem(409, "last-owner", "Conflict",
                              "a tenant keeps at least one active owner", request.request_id);
    }
    static const std::string sql =
        "UPDATE users SET role = coalesce($2, role), status = coalesce($3, status) "
        "WHERE id = $1 RETURNING " +
        std::string(kUserColumns);
    auto rows = co_await tx->query(sql, id->str(), role, status);
    if (!rows) co_return database_problem(rows.error(), request);
    auto user = user_json((*rows)[0]);
    // A deactivated or demoted user's refresh tokens end with the change:
    // none may mint a token for the role it had.
    bool demoted = role && role_rank(*role) < role_rank(old_role);
    if (status == "deactivated" || demoted) {
      auto revoked = co_await tx->query(
          "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
          id->str());
      if (!revoked) co_return database_problem(revoked.error(), request);
    }
    if (auto r = co_await record_change(
            *tx, request, status == "deactivated" ? "user_deactivated" : "user_changed", id->str());
        !r)
      co_return database_problem(r.error(), request);
    if (auto done = co_await tx->commit(); !done) co_return database_problem(done.error(), request);
    if (request.method == "DELETE") co_return http::Response{204, "application/json", {}, ""};
    co_return http::Response::json(200, json::serialize(user));
  }

  awaitable<http::Response> patch(http::Request& request) {
    auto body = json_object_body(request);
    if (!body) co_return invalid_body(request, "the body must be a JSON object (Content-Type: application/json)");
    auto role = string_field(*body, "role"), status = string_field(*body, "status");
    if (body->contains("role") && (!role || !valid_role(*role)))
      co_return invalid_body(request, "role: expected owner, admin, member or viewer");
    if (body->contains("status") && (!status || (*status != "active" && *status != "deactivated")))
      co_return invalid_body(request, "status: expected active or deactivated");
    if (!role && !status) co_return invalid_body(request, "nothing to change: give role or status");
    co_return co_await change(request, role, status);
  }

  awaitable<db::Result<void>> record_change(db::TenantTransaction& tx, const http::Request& request,
                                            std::string action, std::string resource) {
    audit::Entry entry{request.principal->subject, std::move(action), "user:" + resource,
                       request.request_id};
    co_return co_await audit::record(tx, std::move(entry));
  }
};

}  // namespace

void add_user_routes(http::Router& router, db::Database& database, auth::PasswordHasher& hasher) {
  auto users = std::make_shared<Users>(Users{database, hasher});
  router.add("GET", "/v1/users", [users](http::Request& r) { return users->list(r); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
  router.add("POST", "/v1/users", [users](http::Request& r) { return users->create(r); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
  router.add("GET", "/v1/users/{id}", [users](http::Request& r) { return users->get(r); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
  router.add("PATCH", "/v1/users/{id}", [users](http::Request& r) { return users->patch(r); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
  router.add("DELETE", "/v1/users/{id}",
             [users](http::Request& r) { return users->change(r, std::nullopt, "deactivated"); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
}

}  // namespace tenantry::api
