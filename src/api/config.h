// tenantry-api's configuration: the settings of the modules it links and its
// own, validated once at start (the README's table is generated from them).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "platform/auth/settings.h"
#include "platform/base/config.h"
#include "platform/base/log.h"
#include "platform/cache/settings.h"
#include "platform/db/settings.h"
#include "platform/http/settings.h"
#include "platform/ratelimit/gcra.h"
#include "platform/redis/settings.h"

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
  auth::TokenConfig tokens;
  auth::PasswordHasherConfig password_hashing;
  // The API only watches the queue instance's memory; the workers use it.
  redis::Endpoints redis;
  cache::CacheConfig cache;
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

  // Every setting tenantry-api reads, by module: what --help and the
  // README's table show.
  static base::Declarations declarations();
  // Throws base::ConfigError naming the first bad variable.
  static ApiConfig from_env(const base::EnvReader& env);
};

}  // namespace tenantry::api
