// The Redis clients' metrics: declared in one list, built at start-up.
#pragma once

#include <string>
#include <string_view>

#include "platform/metrics/metrics.h"

namespace tenantry::redis {

using metrics::MetricType;

inline constexpr metrics::MetricDeclaration kCommandDuration{
    "tenantry_redis_command_duration_seconds", MetricType::kHistogram, "concern",
    "Redis command round trips, by concern"};
inline constexpr metrics::MetricDeclaration kBreakerState{
    "tenantry_redis_breaker_state", MetricType::kGauge, "concern",
    "Circuit breaker per Redis concern: 0 closed, 1 half-open, 2 open"};
inline constexpr metrics::MetricDeclaration kUsedMemory{
    "tenantry_redis_used_memory_bytes", MetricType::kGauge, "concern",
    "Redis used_memory (INFO memory), read at each scrape"};
inline constexpr metrics::MetricDeclaration kMaxMemory{
    "tenantry_redis_maxmemory_bytes", MetricType::kGauge, "concern",
    "Redis maxmemory (INFO memory), read at each scrape"};
inline constexpr metrics::MetricDeclaration kErrors{
    "tenantry_redis_errors_total", MetricType::kCounter, "concern,kind",
    "Failed Redis commands by concern and kind (unavailable, timeout, connection)"};
inline constexpr metrics::MetricDeclaration kClientMetrics[] = {kCommandDuration, kBreakerState,
                                                                kUsedMemory, kMaxMemory, kErrors};

// One Redis concern's metrics (label concern="cache", "ratelimit", ...).
class ClientMetrics {
 public:
  ClientMetrics(prometheus::Registry& registry, const std::string& concern);

  prometheus::Histogram& command_seconds;
  prometheus::Gauge& breaker_state;
  prometheus::Gauge& used_memory_bytes;
  prometheus::Gauge& maxmemory_bytes;
  void error(std::string_view kind);

 private:
  metrics::CounterSeries errors_;
};

}  // namespace tenantry::redis
