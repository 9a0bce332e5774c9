// The cache's metrics: declared in one list, built at start-up (one set of
// series per kind of entry).
#pragma once

#include "platform/metrics/metrics.h"

namespace tenantry::cache {

using metrics::MetricType;

inline constexpr metrics::MetricDeclaration kRequests{
    "tenantry_cache_requests_total", MetricType::kCounter, "kind,result",
    "Cache reads by kind and result (hit, miss, bypass: Redis unreachable)"};
inline constexpr metrics::MetricDeclaration kLoads{
    "tenantry_cache_loads_total", MetricType::kCounter, "kind",
    "Loads from the source of truth after a miss or a bypass, by kind"};
inline constexpr metrics::MetricDeclaration kInvalidations{
    "tenantry_cache_invalidations_total", MetricType::kCounter, "kind,result",
    "Invalidations by kind and result (ok, failed)"};
inline constexpr metrics::MetricDeclaration kCacheMetrics[] = {kRequests, kLoads, kInvalidations};

}  // namespace tenantry::cache
