// The PostgreSQL pools' metrics: declared in one list, built at start-up.
#pragma once

#include <string>
#include <string_view>

#include "platform/metrics/metrics.h"

namespace tenantry::db {

using metrics::MetricType;

inline constexpr metrics::MetricDeclaration kConnections{
    "tenantry_db_connections", MetricType::kGauge, "pool,state",
    "PostgreSQL connections by state (idle, in_use, connecting)"};
inline constexpr metrics::MetricDeclaration kWaiters{"tenantry_db_pool_waiters", MetricType::kGauge,
                                                     "pool",
                                                     "Callers waiting for a free connection"};
inline constexpr metrics::MetricDeclaration kAcquireDuration{
    "tenantry_db_acquire_duration_seconds", MetricType::kHistogram, "pool",
    "Time to get a connection from the pool (and to open it)"};
inline constexpr metrics::MetricDeclaration kQueryDuration{"tenantry_db_query_duration_seconds",
                                                           MetricType::kHistogram, "pool",
                                                           "Time of one round trip of statements"};
inline constexpr metrics::MetricDeclaration kErrors{
    "tenantry_db_errors_total", MetricType::kCounter, "pool,class",
    "Database errors by class (pool_timeout, constraint, ... see db::error_class)"};
inline constexpr metrics::MetricDeclaration kPoolMetrics[] = {
    kConnections, kWaiters, kAcquireDuration, kQueryDuration, kErrors};

// One pool's metrics, labelled pool="primary", "read", ... Several pools
// share the families (the registry merges same-name registrations).
class PoolMetrics {
 public:
  PoolMetrics(prometheus::Registry& registry, const std::string& pool);

  prometheus::Gauge& idle;
  prometheus::Gauge& in_use;
  prometheus::Gauge& connecting;
  prometheus::Gauge& waiters;
  prometheus::Histogram& acquire_seconds;
  prometheus::Histogram& query_seconds;
  void error(std::string_view error_class);

 private:
  metrics::CounterSeries errors_;
};

}  // namespace tenantry::db
