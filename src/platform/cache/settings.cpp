// The cache's settings and their reading.
#include "platform/cache/settings.h"

namespace tenantry::cache {
namespace {

using base::SettingType;

constexpr base::Setting kSettings[] = {
    {"TENANTRY_CACHE_TTL_MS", SettingType::kDuration, "60000",
     "how long a cached tenant record lives; a plan's changed limits (`tenantryctl plan set`) "
     "apply within it",
     100, 86'400'000},
    {"TENANTRY_CACHE_TTL_JITTER_PCT", SettingType::kInteger, "10",
     "each fill's TTL varies by up to ± this percentage, so hot entries do not expire together", 0,
     50},
};

}  // namespace

base::SettingGroup cache_settings() { return {"Cache", kSettings}; }

CacheConfig read_cache_config(const base::EnvReader& env) {
  CacheConfig config;
  config.ttl = env.millis("TENANTRY_CACHE_TTL_MS");
  config.ttl_jitter = static_cast<double>(env.integer("TENANTRY_CACHE_TTL_JITTER_PCT")) / 100;
  return config;
}

}  // namespace tenantry::cache
