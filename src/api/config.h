// tenantry-api's configuration: every environment variable it reads, with
// its default, validated once at start (the README's table mirrors this).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "platform/auth/issuer.h"
#include "platform/auth/jwt.h"
#include "platform/auth/passwords.h"
#include "platform/base/config.h"
#include "platform/base/log.h"
#include "platform/cache/cache.h"
#include "platform/db/pool.h"
#include "platform/http/server.h"
#include "platform/ratelimit/gcra.h"
#include "platform/redis/endpoint.h"

namespace tenantry::api {

struct ApiConfig {
  http::ServerConfig server;
  db::PoolConfig database;  // DATABASE_URL and the TENANTRY_DB_* pool settings
  // DATABASE_READ_URL: read-only transactions go there, with the same pool
  // settings; unset, they go to the primary.
  std::optional<std::string> read_database_url;
  // PLATFORM_DATABASE_URL: the role of the operator routes (creating
  // tenants, changing their status and plan), the only one that may write
  // tenants; a small pool of its own, with the pool settings above. Unset,
  // those routes answer 503.
  std::optional<std::string> platform_database_url;
  // Access tokens: the JWKS file of verification keys (TENANTRY_JWKS_FILE),
  // checked for changes every jwks_check_interval, and the claims required.
  std::string jwks_file;
  std::chrono::milliseconds jwks_check_interval{1'000};
  auth::VerifyOptions token;
  // Token issuance (POST /v1/auth/token), served when
  // TENANTRY_JWT_SIGNING_KEY_FILE is set; issuer and audience as above.
  std::optional<auth::IssuerConfig> issuer;
  // TENANTRY_PASSWORD_HASH_THREADS (default: the cores minus one),
  // _MAX_PENDING and _MAX_PENDING_PER_SOURCE (a tenant's or an address's share).
  auth::PasswordHasherConfig password_hashing;
  // REDIS_URL, and one URL per concern defaulting to it (REDIS_CACHE_URL,
  // REDIS_RATELIMIT_URL, REDIS_QUEUE_URL); REDIS_PASSWORD_FILE applies to a
  // URL without one. The API only watches the queue instance's memory; the
  // workers will use it.
  redis::Endpoint redis;
  redis::Endpoint cache_redis;
  redis::Endpoint ratelimit_redis;
  redis::Endpoint queue_redis;
  cache::CacheConfig cache;  // TENANTRY_CACHE_TTL_MS, TENANTRY_CACHE_TTL_JITTER_PCT
  // Tenants and users are limited by their plan's policy (the plans table);
  // `fallback_policy` (TENANTRY_RATE_LIMIT_TENANT_*) limits a tenant whose
  // plan cannot be read. Its when_redis_fails is TENANTRY_RATE_LIMIT_FAIL_OPEN's.
  ratelimit::Policy fallback_policy{"tenant", 100, 200, ratelimit::WhenRedisFails::kAllow};
  // Sign-in: per client address (TENANTRY_RATE_LIMIT_IP_*); password
  // sign-ins per account and client address (TENANTRY_SIGN_IN_FAILURE_*)
  // and per account (TENANTRY_SIGN_IN_ACCOUNT_*), attempts counted and
  // right ones refunded. All decided in this process when Redis cannot.
  ratelimit::Policy client_ip_policy{"client_ip", 10, 30,
                                     ratelimit::WhenRedisFails::kDecideLocally};
  ratelimit::Policy sign_in_address_policy{"sign_in_address", 1.0 / 60, 5,
                                           ratelimit::WhenRedisFails::kDecideLocally};
  ratelimit::Policy sign_in_account_policy{"sign_in_account", 1.0 / 10, 100,
                                           ratelimit::WhenRedisFails::kDecideLocally};
  std::string replica;
  base::LogLevel log_level = base::LogLevel::kInfo;
  bool test_endpoints = false;
  std::chrono::milliseconds dependency_timeout{1'000};
  std::chrono::milliseconds dependency_max_age{250};

  // Throws base::ConfigError naming the first bad variable.
  static ApiConfig from_env(const base::EnvReader& env);
};

}  // namespace tenantry::api
