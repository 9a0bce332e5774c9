// The Redis endpoints' settings (REDIS_*): one URL per concern, defaulting
// to REDIS_URL and its password file; declared once, read into Endpoints.
#pragma once

#include "platform/base/config.h"
#include "platform/redis/endpoint.h"

namespace tenantry::redis {

struct Endpoints {
  Endpoint cache;
  Endpoint ratelimit;
  Endpoint queue;  // must never evict (docs/operations.md)
};

base::SettingGroup endpoint_settings();
// Throws base::ConfigError naming the first bad variable; a CA file that
// cannot be loaded stops the start.
Endpoints read_endpoints(const base::EnvReader& env);

}  // namespace tenantry::redis
