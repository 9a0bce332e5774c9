// Password hashing's metrics: declared in one list, built at start-up.
#pragma once

#include "platform/metrics/metrics.h"

namespace tenantry::auth {

using metrics::MetricType;

inline constexpr metrics::MetricDeclaration kHashes{"tenantry_password_hashes_total",
                                                    MetricType::kCounter, "",
                                                    "argon2id hashes and verifications run"};
inline constexpr metrics::MetricDeclaration kHashesRefused{
    "tenantry_password_hashes_refused_total", MetricType::kCounter, "",
    "Hashes refused because the queue or a source's share of it was full (answered 503)"};
inline constexpr metrics::MetricDeclaration kPasswordMetrics[] = {kHashes, kHashesRefused};

// Password hashing (argon2id on its own pool): work done, and work refused.
struct PasswordHashMetrics {
  explicit PasswordHashMetrics(prometheus::Registry& registry)
      : runs(metrics::counter_family(registry, kHashes).Add({})),
        refused(metrics::counter_family(registry, kHashesRefused).Add({})) {}
  prometheus::Counter& runs;
  prometheus::Counter& refused;
};

}  // namespace tenantry::auth
