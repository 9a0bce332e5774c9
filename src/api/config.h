// tenantry-api's configuration: every environment variable it reads, with
// its default, validated once at start (the README's table mirrors this).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "platform/auth/issuer.h"
#include "platform/auth/jwt.h"
#include "platform/base/config.h"
#include "platform/base/log.h"
#include "platform/db/pool.h"
#include "platform/http/server.h"
#include "platform/redis/probe.h"

namespace tenantry::api {

struct ApiConfig {
  http::ServerConfig server;
  db::PoolConfig database;  // DATABASE_URL and the TENANTRY_DB_* pool settings
  // DATABASE_READ_URL: read-only transactions go there, with the same pool
  // settings; unset, they go to the primary.
  std::optional<std::string> read_database_url;
  // Access tokens: the JWKS file of verification keys (TENANTRY_JWKS_FILE),
  // checked for changes every jwks_check_interval, and the claims required.
  std::string jwks_file;
  std::chrono::milliseconds jwks_check_interval{1'000};
  auth::VerifyOptions token;
  // Token issuance (POST /v1/auth/token), served when
  // TENANTRY_JWT_SIGNING_KEY_FILE is set; issuer and audience as above.
  std::optional<auth::IssuerConfig> issuer;
  unsigned password_hash_threads = 1;
  std::size_t password_hash_max_pending = 64;
  redis::Endpoint redis;
  // REDIS_RATELIMIT_URL (default: REDIS_URL, with REDIS_PASSWORD_FILE) and
  // the tenant policy, TENANTRY_RATE_LIMIT_*.
  redis::Endpoint ratelimit_redis;
  double tenant_rate = 100;
  long tenant_burst = 200;
  bool ratelimit_fail_open = true;
  std::string replica;
  base::LogLevel log_level = base::LogLevel::kInfo;
  bool test_endpoints = false;
  std::chrono::milliseconds dependency_timeout{1'000};
  std::chrono::milliseconds dependency_max_age{250};

  // Throws base::ConfigError naming the first bad variable.
  static ApiConfig from_env(const base::EnvReader& env);
};

}  // namespace tenantry::api
