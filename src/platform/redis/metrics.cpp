// The Redis clients' metrics.
#include "platform/redis/metrics.h"

namespace tenantry::redis {

ClientMetrics::ClientMetrics(prometheus::Registry& registry, const std::string& concern)
    : command_seconds(metrics::histogram_family(registry, kCommandDuration)
                          .Add({{"concern", concern}}, metrics::kLatencyBuckets)),
      breaker_state(metrics::gauge_family(registry, kBreakerState).Add({{"concern", concern}})),
      used_memory_bytes(metrics::gauge_family(registry, kUsedMemory).Add({{"concern", concern}})),
      maxmemory_bytes(metrics::gauge_family(registry, kMaxMemory).Add({{"concern", concern}})),
      errors_(metrics::counter_family(registry, kErrors), {{"concern", concern}}, "kind") {}

void ClientMetrics::error(std::string_view kind) { errors_.increment(kind); }

}  // namespace tenantry::redis
