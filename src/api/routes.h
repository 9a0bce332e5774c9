// The HTTP resources of tenantry-api, one file each; main wires them here.
#pragma once

#include <functional>

#include "api/dependencies.h"
#include "platform/auth/issuer.h"
#include "platform/auth/passwords.h"
#include "platform/cache/cache.h"
#include "platform/http/router.h"
#include "platform/metrics/metrics.h"
#include "platform/ratelimit/middleware.h"
#include "platform/redis/client.h"

namespace tenantry::api {

// GET /livez, GET /readyz. `draining` tells whether shutdown has begun.
void add_health_routes(http::Router& router, Dependencies& dependencies,
                       std::function<bool()> draining);
// GET /v1/ping: touches PostgreSQL and Redis.
void add_ping_routes(http::Router& router, Dependencies& dependencies);
// Password sign-ins per account: `per_address` for the account and one
// client address, `per_account` for the account from every address.
struct SignInPolicies {
  ratelimit::Policy per_address;
  ratelimit::Policy per_account;
};
// POST /v1/auth/token (password, refresh_token and client_credentials
// grants), POST /v1/auth/revoke: both limited per client address; password
// sign-ins also per account by `policies`.
void add_token_routes(http::Router& router, db::Database& database, auth::TokenIssuer& issuer,
                      auth::PasswordHasher& hasher, ratelimit::Enforcer& enforcer,
                      SignInPolicies policies, prometheus::Registry& registry);
// GET/POST /v1/users, GET/PATCH/DELETE /v1/users/{id}: owners and admins.
void add_user_routes(http::Router& router, db::Database& database, auth::PasswordHasher& hasher);
// POST /v1/tenants, PATCH /v1/tenants/{id} (status, plan): platform-admin
// only, on `platform` (PLATFORM_DATABASE_URL's role, the only one that may
// write tenants); null: those routes answer 503.
void add_tenant_routes(http::Router& router, db::Database* platform, auth::PasswordHasher& hasher,
                       cache::Cache& cache);
// POST/GET /v1/service-accounts, DELETE /v1/service-accounts/{id}.
void add_service_account_routes(http::Router& router, db::Database& database);
// GET /v1/me: the caller's subject, tenant and roles.
void add_me_routes(http::Router& router);
// GET /v1/test/sleep?ms=N, /v1/test/db-sleep?ms=N (holds a database
// connection), /v1/test/noop and /v1/test/noop-authenticated: only with
// TENANTRY_ENABLE_TEST_ENDPOINTS=1.
void add_test_routes(http::Router& router, db::Database& database);
// Admin listener: GET /metrics (first refreshing each Redis client's
// memory figures), GET /livez, GET /routes (the public router's table:
// method, pattern, anonymous, roles).
void add_admin_routes(http::Router& router, metrics::Metrics& metrics,
                      const http::Router& public_router, std::vector<redis::Client*> redis);

}  // namespace tenantry::api
