// Service accounts, a tenant's non-human clients: POST/GET
// /v1/service-accounts and DELETE /v1/service-accounts/{id} (disable), for
// owners and admins. The client secret is shown once, at creation; only its
// SHA-256 is stored. The client id is "<tenant id>.<account id>", so the
// token endpoint knows which tenant to look in. Another tenant's account
// is 404.
#include <boost/json.hpp>

#include "api/database_problem.h"
#include "api/json_body.h"
#include "api/routes.h"
#include "platform/audit/audit.h"
#include "platform/auth/middleware.h"
#include "platform/http/problem.h"

namespace tenantry::api {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

const std::vector<std::string> kManagers = {"owner", "admin"};

struct ServiceAccounts {
  db::Database& database;

  awaitable<http::Response> create(http::Request& request) {
    auto body = json_object_body(request);
    if (!body) co_return invalid_body(request, "the body must be a JSON object (Content-Type: application/json)");
    auto name = string_field(*body, "name"), role = string_field(*body, "role");
    if (!name || !role)
      co_return invalid_body(request, "name and role (admin, member or viewer) are required");
    if (auto bad = name_problem(*name)) co_return invalid_body(request, "name: " + *bad);
    auto tenant = request.principal->tenant;
    auto secret = auth::random_secret();
    auto tx = co_await database.tenant_transaction(tenant);
    if (!tx) co_return database_problem(tx.error(), request);
    auto rows = co_await tx->query(
        "INSERT INTO service_accounts (tenant_id, id, name, role, secret_hash) "
        "VALUES ($1, gen_random_uuid(), $2, $3, $4) RETURNING id::text",
        tenant, *name, *role, auth::sha256_hex(secret));
    if (!rows && rows.error().kind == db::ErrorKind::kConstraint)
      co_return invalid_body(request, "name: 1 to 200 characters; role: admin, member or viewer");
    if (!rows) co_return database_problem(rows.error(), request);
    auto id = (*rows)[0][0].as<std::string>();
    audit::Entry entry{request.principal->subject, "service_account_created",
                       "service_account:" + id, request.request_id};
    auto audited = co_await audit::record(*tx, std::move(entry));
    if (!audited) co_return database_problem(audited.error(), request);
    if (auto done = co_await tx->commit(); !done) co_return database_problem(done.error(), request);
    json::object out{{"id", id},
                     {"client_id", tenant.str() + "." + id},
                     {"client_secret", secret},
                     {"name", *name},
                     {"role", *role}};
    auto response = http::Response::json(201, json::serialize(out));
    response.with_header("Cache-Control", "no-store");
    co_return response;
  }

  awaitable<http::Response> list(http::Request& request) {
    auto rows = co_await database.tenant_query(
        request.principal->tenant, db::Access::kReadOnly,
        "SELECT id::text, name, role, status FROM service_accounts ORDER BY created_at, id");
    if (!rows) co_return database_problem(rows.error(), request);
    json::array accounts;
    for (auto row : *rows) {
      accounts.push_back(json::object{{"id", row[0].as<std::string>()},
                                      {"name", row[1].as<std::string>()},
                                      {"role", row[2].as<std::string>()},
                                      {"status", row[3].as<std::string>()}});
    }
    co_return http::Response::json(
        200, json::serialize(json::object{{"service_accounts", std::move(accounts)}}));
  }

  awaitable<http::Response> disable(http::Request& request) {
    auto id = base::Uuid::parse(request.param("id").value_or(""));
    auto not_found =
        http::problem(404, "not-found", "Not Found", "no such service account", request.request_id);
    if (!id) co_return not_found;
    auto tenant = request.principal->tenant;
    auto tx = co_await database.tenant_transaction(tenant);
    if (!tx) co_return database_problem(tx.error(), request);
    auto rows = co_await tx->query(
        "UPDATE service_accounts SET status = 'disabled' WHERE id = $1 RETURNING id", id->str());
    if (!rows) co_return database_problem(rows.error(), request);
    if (rows->empty()) co_return not_found;
    audit::Entry entry{request.principal->subject, "service_account_disabled",
                       "service_account:" + id->str(), request.request_id};
    auto audited = co_await audit::record(*tx, std::move(entry));
    if (!audited) co_return database_problem(audited.error(), request);
    if (auto done = co_await tx->commit(); !done) co_return database_problem(done.error(), request);
    co_return http::Response{204, "application/json", {}, ""};
  }
};

}  // namespace

void add_service_account_routes(http::Router& router, db::Database& database) {
  auto accounts = std::make_shared<ServiceAccounts>(ServiceAccounts{database});
  router.add("POST", "/v1/service-accounts",
             [accounts](http::Request& r) { return accounts->create(r); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
  router.add("GET", "/v1/service-accounts",
             [accounts](http::Request& r) { return accounts->list(r); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
  router.add("DELETE", "/v1/service-accounts/{id}",
             [accounts](http::Request& r) { return accounts->disable(r); },
             {.middleware = {auth::RouteAuth{.roles = kManagers}}});
}

}  // namespace tenantry::api
