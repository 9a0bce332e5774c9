// The API's own metrics, and the list of every metric tenantry-api exposes
// on /metrics, by module: what docs/metrics.md is generated from.
#pragma once

#include <vector>

#include "platform/auth/metrics.h"
#include "platform/cache/metrics.h"
#include "platform/db/metrics.h"
#include "platform/http/metrics.h"
#include "platform/metrics/metrics.h"
#include "platform/ratelimit/metrics.h"
#include "platform/redis/metrics.h"

namespace tenantry::api {

inline constexpr metrics::MetricDeclaration kSignInFailures{
    "tenantry_auth_sign_in_failures_total", metrics::MetricType::kCounter, "grant",
    "Refused token requests, by grant type"};
inline constexpr metrics::MetricDeclaration kApiMetrics[] = {kSignInFailures};

inline std::vector<metrics::MetricGroup> metric_groups() {
  return {{"HTTP server", http::kServerMetrics},
          {"PostgreSQL pools", db::kPoolMetrics},
          {"Redis clients", redis::kClientMetrics},
          {"Cache", cache::kCacheMetrics},
          {"Rate limits", ratelimit::kRateLimitMetrics},
          {"Password hashing", auth::kPasswordMetrics},
          {"Sign-in", kApiMetrics},
          {"Process", metrics::kProcessMetrics}};
}

}  // namespace tenantry::api
