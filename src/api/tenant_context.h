// What every authenticated request needs to know about its tenant (whether
// it is active, and its plan's rate limits), read through the tenant cache,
// and the middleware that acts on it: a suspended tenant is refused with
// 403, and the request counts against its tenant's and its user's limits.
#pragma once

#include <string>

#include "platform/cache/cache.h"
#include "platform/db/transaction.h"
#include "platform/http/router.h"
#include "platform/ratelimit/middleware.h"

namespace tenantry::api {

struct TenantRecord {
  bool active = false;  // false: suspended, or no such tenant
  std::string plan;     // empty when the plan has no row in `plans`
  long tenant_rps = 0, tenant_burst = 0, user_rps = 0, user_burst = 0;
};

// The cache kind of tenant records (entry id "record"). PATCH
// /v1/tenants/{id} invalidates it.
extern const cache::Kind<TenantRecord> kTenantRecord;

// `fallback` limits a tenant whose record cannot be read (PostgreSQL and
// Redis unreachable, or its plan has no policy). Anonymous routes
// (auth::RouteAuth) are left out: they have no tenant.
http::Middleware tenant_context(cache::Cache& cache, db::Database& database,
                                ratelimit::Enforcer& enforcer, ratelimit::Policy fallback);

}  // namespace tenantry::api
