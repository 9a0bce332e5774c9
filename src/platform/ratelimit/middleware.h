// Rate limiting in the request path, after authentication: each tenant's
// requests are limited by its policy, decided in Redis for all replicas at
// once. Allowed responses carry RateLimit-Policy and RateLimit headers
// (draft-ietf-httpapi-ratelimit-headers); refused requests get 429
// problem+json with Retry-After. When Redis cannot decide, the limiter's
// configuration says whether to fail open (counted as failed_open, logged
// at most every 10 s). Decisions are counted by policy and result, never by
// tenant.
#pragma once

#include <prometheus/registry.h>

#include "platform/base/log.h"
#include "platform/http/router.h"
#include "platform/ratelimit/gcra.h"

namespace tenantry::ratelimit {

http::Middleware tenant_rate_limiting(RateLimiter& limiter, Policy tenant_policy,
                                      prometheus::Registry& registry, base::Logger& logger);

}  // namespace tenantry::ratelimit
