// Rate limiting's metrics: declared in one list, built at start-up.
#pragma once

#include "platform/metrics/metrics.h"

namespace tenantry::ratelimit {

inline constexpr metrics::MetricDeclaration kDecisions{
    "tenantry_ratelimit_decisions_total", metrics::MetricType::kCounter, "policy,result",
    "Rate-limit decisions by policy and result (allowed, limited, failed_open, failed_closed, "
    "decided_locally)"};
inline constexpr metrics::MetricDeclaration kRateLimitMetrics[] = {kDecisions};

}  // namespace tenantry::ratelimit
