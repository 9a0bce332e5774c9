// Tenant provisioning for platform operators (role platform-admin):
// POST /v1/tenants creates a tenant and its owner; PATCH /v1/tenants/{id}
// changes its status (active, suspended) or plan (one of the plans table's),
// then drops its cached tenant record. A suspended tenant's requests are
// refused (403 tenant-suspended) by every replica from its next request on
// (the tenant context reads the record again) and, whatever any cache says,
// from its next transaction: app_enter_tenant checks the status in the
// statement that scopes each tenant transaction. Both run in a transaction
// scoped to the tenant concerned (entered whatever its status), as the
// platform role (PLATFORM_DATABASE_URL, migration 0009): the application
// role, which every tenant's requests use, can neither write a tenant row
// nor enter a suspended tenant, so no tenant-scoped request can change its
// own tenant's plan or status, whatever its SQL.
#include <boost/json.hpp>

#include "api/database_problem.h"
#include "api/json_body.h"
#include "api/routes.h"
#include "api/tenant_context.h"
#include "platform/audit/audit.h"
#include "platform/auth/middleware.h"
#include "platform/http/problem.h"
#include "platform/tenancy/identifiers.h"

namespace tenantry::api {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

const std::vector<std::string> kOperators = {"platform-admin"};

struct Tenants {
  db::Database* database;
  auth::PasswordHasher& hasher;
  cache::Cache& cache;

  awaitable<http::Response> create(http::Request& request) {
    auto body = json_object_body(request);
    if (!body) co_return invalid_body(request, "the body must be a JSON object (Content-Type: application/json)");
    auto slug = string_field(*body, "slug"), name = string_field(*body, "name"),
         email = string_field(*body, "owner_email"),
         password = string_field(*body, "owner_password");
    if (!slug || !name || !email || !password)
      co_return invalid_body(request, "slug, name, owner_email and owner_password are required");
    auto canonical_slug = tenancy::canonical_slug(*slug);
    if (!canonical_slug)
      co_return invalid_body(request, "slug: expected " + std::string(tenancy::kSlugRule));
    auto canonical_email = tenancy::canonical_email(*email);
    if (!canonical_email)
      co_return invalid_body(request, "owner_email: expected " + std::string(tenancy::kEmailRule));
    if (auto bad = name_problem(*name)) co_return invalid_body(request, "name: " + *bad);
    if (password->size() < 12 || password->size() > 1024)
      co_return invalid_body(request, "owner_password: expected 12 to 1024 characters");
    auth::PasswordHasher::Sources sources{"t:" + request.principal->tenant.str()};
    auto hash = co_await hasher.hash(*password, std::move(sources));
    if (!hash)
      co_return http::overloaded("too many passwords being hashed; retry shortly",
                                 request.request_id);

    auto tenant = tenancy::TenantId::of(base::Uuid::random());
    auto tx = co_await database->tenant_transaction(tenant, db::Access::kReadWrite,
                                                   db::TenantStatus::kAny);
    if (!tx) co_return database_problem(tx.error(), request);
    auto created = co_await tx->query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)",
                                      tenant, *canonical_slug, *name);
    if (!created) {
      if (created.error().kind == db::ErrorKind::kConstraint)
        co_return http::problem(409, "conflict", "Conflict",
                                "the slug is taken", 
                                request.request_id);
      co_return database_problem(created.error(), request);
    }
    auto owner = co_await tx->query(
        "INSERT INTO users (tenant_id, id, email, email_canonical, password_hash, role) "
        "VALUES ($1, gen_random_uuid(), $2, $3, $4, 'owner') RETURNING id::text",
        tenant, *email, *canonical_email, *hash);
    if (!owner) co_return database_problem(owner.error(), request);
    audit::Entry entry{request.principal->subject, "tenant_created", "tenant", request.request_id};
    auto audited = co_await audit::record(*tx, std::move(entry));
    if (!audited) co_return database_problem(audited.error(), request);
    if (auto done = co_await tx->commit(); !done) co_return database_problem(done.error(), request);
    json::object out{{"id", tenant.str()},
                     {"slug", *canonical_slug},
                     {"name", *name},
                     {"status", "active"},
                     {"owner_id", (*owner)[0][0].as<std::string>()}};
    auto response = http::Response::json(201, json::serialize(out));
    response.with_header("Location", "/v1/tenants/" + tenant.str());
    co_return response;
  }

  awaitable<http::Response> patch(http::Request& request) {
    auto tenant = tenancy::TenantId::parse(request.param("id").value_or(""));
    if (!tenant)
      co_return http::problem(404, "not-found", "Not Found", "no such tenant", request.request_id);
    auto body = json_object_body(request);
    if (!body) co_return invalid_body(request, "the body must be a JSON object (Content-Type: application/json)");
    auto status = string_field(*body, "status"), plan = string_field(*body, "plan");
    if (!status && !plan) co_return invalid_body(request, "expected status or plan (or both)");
    if (status && *status != "active" && *status != "suspended")
      co_return invalid_body(request, "status: expected active or suspended");
    auto tx = co_await database->tenant_transaction(*tenant, db::Access::kReadWrite,
                                                   db::TenantStatus::kAny);
    if (!tx) co_return database_problem(tx.error(), request);
    if (plan) {
      // Plans are data (tenantryctl plan list): the table says which exist.
      auto plans = co_await tx->query("SELECT name FROM plans ORDER BY name");
      if (!plans) co_return database_problem(plans.error(), request);
      std::string names;
      bool known = false;
      for (auto row : *plans) {
        auto name = row[0].as<std::string>();
        known = known || name == *plan;
        names += (names.empty() ? "" : ", ") + name;
      }
      if (!known) co_return invalid_body(request, "plan: expected one of " + names);
    }
    auto rows = co_await tx->query(
        "UPDATE tenants SET status = coalesce($2, status), plan = coalesce($3, plan) "
        "WHERE id = $1 RETURNING slug, name, status, plan",
        *tenant, status, plan);
    if (!rows) co_return database_problem(rows.error(), request);
    if (rows->empty())
      co_return http::problem(404, "not-found", "Not Found", "no such tenant", request.request_id);
    json::object details;
    if (status) details["status"] = *status;
    if (plan) details["plan"] = *plan;
    audit::Entry entry{request.principal->subject, "tenant_changed", "tenant", request.request_id,
                       json::serialize(details)};
    auto audited = co_await audit::record(*tx, std::move(entry));
    if (!audited) co_return database_problem(audited.error(), request);
    if (auto done = co_await tx->commit(); !done) co_return database_problem(done.error(), request);
    // Every replica reads the new status and plan from its next request on.
    co_await cache.invalidate_after_commit(*tx, kTenantRecord, "record");
    auto row = (*rows)[0];
    json::object out{{"id", tenant->str()},
                     {"slug", row[0].as<std::string>()},
                     {"name", row[1].as<std::string>()},
                     {"status", row[2].as<std::string>()},
                     {"plan", row[3].as<std::string>()}};
    co_return http::Response::json(200, json::serialize(out));
  }
};

awaitable<http::Response> unconfigured(http::Request& request) {
  co_return http::problem(503, "platform-database-unconfigured", "Service Unavailable",
                          "this replica has no PLATFORM_DATABASE_URL", request.request_id);
}

}  // namespace

void add_tenant_routes(http::Router& router, db::Database* platform, auth::PasswordHasher& hasher,
                       cache::Cache& cache) {
  auto tenants = std::make_shared<Tenants>(Tenants{platform, hasher, cache});
  http::Handler create = [tenants](http::Request& r) { return tenants->create(r); };
  http::Handler patch = [tenants](http::Request& r) { return tenants->patch(r); };
  if (!platform) create = patch = unconfigured;
  router.add("POST", "/v1/tenants", std::move(create),
             {.middleware = {auth::RouteAuth{.roles = kOperators}}});
  router.add("PATCH", "/v1/tenants/{id}", std::move(patch),
             {.middleware = {auth::RouteAuth{.roles = kOperators}}});
}

}  // namespace tenantry::api
