// The tenant record (through the cache) and the tenant and user limits.
#include "api/tenant_context.h"

#include <sstream>

#include "platform/auth/middleware.h"
#include "platform/http/problem.h"

namespace tenantry::api {
namespace {

using boost::asio::awaitable;

// "<active> <plan> <tenant_rps> <tenant_burst> <user_rps> <user_burst>";
// plan "-" when it has no policy row.
std::string encode(const TenantRecord& r) {
  return std::string(r.active ? "1 " : "0 ") + (r.plan.empty() ? "-" : r.plan) + " " +
         std::to_string(r.tenant_rps) + " " + std::to_string(r.tenant_burst) + " " +
         std::to_string(r.user_rps) + " " + std::to_string(r.user_burst);
}

std::optional<TenantRecord> decode(std::string_view text) {
  std::istringstream in{std::string(text)};
  TenantRecord r;
  int active = -1;
  if (!(in >> active >> r.plan >> r.tenant_rps >> r.tenant_burst >> r.user_rps >> r.user_burst) ||
      (active != 0 && active != 1) || !(in >> std::ws).eof())
    return std::nullopt;
  r.active = active == 1;
  if (r.plan == "-") r.plan.clear();
  if (!r.plan.empty() &&
      (r.tenant_rps <= 0 || r.tenant_burst <= 0 || r.user_rps <= 0 || r.user_burst <= 0))
    return std::nullopt;
  return r;
}

// One round trip. A suspended or unknown tenant cannot be entered
// (app_enter_tenant raises TN001): that is its record too.
awaitable<db::Result<TenantRecord>> load(db::Database& database, tenancy::TenantId tenant) {
  auto rows = co_await database.tenant_query(
      tenant, db::Access::kReadOnly,
      "SELECT coalesce(p.name, ''), coalesce(p.tenant_rps, 0), coalesce(p.tenant_burst, 0), "
      "coalesce(p.user_rps, 0), coalesce(p.user_burst, 0) "
      "FROM tenants t LEFT JOIN plans p ON p.name = t.plan WHERE t.id = $1",
      tenant);
  if (!rows && rows.error().kind == db::ErrorKind::kTenantInactive) co_return TenantRecord{};
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return TenantRecord{};
  auto row = (*rows)[0];
  TenantRecord r;
  r.active = true;
  r.plan = row[0].as<std::string>();
  r.tenant_rps = row[1].as<long>();
  r.tenant_burst = row[2].as<long>();
  r.user_rps = row[3].as<long>();
  r.user_burst = row[4].as<long>();
  co_return r;
}

}  // namespace

const cache::Kind<TenantRecord> kTenantRecord{"tenant", 1, encode, decode};

http::Middleware tenant_context(cache::Cache& cache, db::Database& database,
                                ratelimit::Enforcer& enforcer, ratelimit::Policy fallback) {
  return [&cache, &database, &enforcer, fallback](const http::Route& route,
                                                  http::Handler next) -> http::Handler {
    // An anonymous route's requests have no principal, hence no tenant.
    const auto* auth = route.middleware.get<auth::RouteAuth>();
    if (auth && auth->anonymous) return next;
    return [&cache, &database, &enforcer, fallback,
            next = std::move(next)](http::Request& request) -> awaitable<http::Response> {
      if (!request.principal) co_return co_await next(request);  // no authentication before
      const auto& principal = *request.principal;
      std::string scope = "{t:" + principal.tenant.str() + "}";
      std::vector<ratelimit::Limit> limits;
      if (!enforcer.limiter().redis_available()) {
        // The decision would fail at once: do not read the plan for it.
        limits.push_back({fallback, scope});
      } else {
        cache::Loader<TenantRecord> loader = [&database, &principal] {
          return load(database, principal.tenant);
        };
        auto record = co_await cache.for_request(principal).get(kTenantRecord, "record", loader);
        if (record && !record->active) {
          co_return http::problem(403, "tenant-suspended", "Forbidden",
                                  "this tenant is suspended; contact the platform operator",
                                  request.request_id);
        }
        if (record && !record->plan.empty()) {
          auto tenant_policy = fallback, user_policy = fallback;
          tenant_policy.rate = static_cast<double>(record->tenant_rps);
          tenant_policy.burst = record->tenant_burst;
          user_policy.name = "user";
          user_policy.rate = static_cast<double>(record->user_rps);
          user_policy.burst = record->user_burst;
          limits.push_back({tenant_policy, scope});
          limits.push_back({user_policy, scope + ":u:" + principal.subject});
        } else {
          limits.push_back({fallback, scope});  // PostgreSQL unreachable too: still limited
        }
      }
      co_return co_await enforcer.apply(std::move(limits), request, next,
                                        "this request rate is above the plan's limit");
    };
  };
}

}  // namespace tenantry::api
