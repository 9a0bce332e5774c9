// The cache's settings (TENANTRY_CACHE_*): declared once, read into a
// CacheConfig.
#pragma once

#include "platform/base/config.h"
#include "platform/cache/cache.h"

namespace tenantry::cache {

base::SettingGroup cache_settings();
// wait_timeout stays the caller's: it follows the loads' own timeout.
CacheConfig read_cache_config(const base::EnvReader& env);

}  // namespace tenantry::cache
