// The PostgreSQL pools' metrics.
#include "platform/db/metrics.h"

namespace tenantry::db {

PoolMetrics::PoolMetrics(prometheus::Registry& registry, const std::string& pool)
    : idle(metrics::gauge_family(registry, kConnections).Add({{"pool", pool}, {"state", "idle"}})),
      in_use(
          metrics::gauge_family(registry, kConnections).Add({{"pool", pool}, {"state", "in_use"}})),
      connecting(metrics::gauge_family(registry, kConnections)
                     .Add({{"pool", pool}, {"state", "connecting"}})),
      waiters(metrics::gauge_family(registry, kWaiters).Add({{"pool", pool}})),
      acquire_seconds(metrics::histogram_family(registry, kAcquireDuration)
                          .Add({{"pool", pool}}, metrics::kLatencyBuckets)),
      query_seconds(metrics::histogram_family(registry, kQueryDuration)
                        .Add({{"pool", pool}}, metrics::kLatencyBuckets)),
      errors_(metrics::counter_family(registry, kErrors), {{"pool", pool}}, "class") {}

void PoolMetrics::error(std::string_view error_class) { errors_.increment(error_class); }

}  // namespace tenantry::db
