// tenantry-api: a stateless web replica. Wiring only: configuration,
// logger, metrics, database pools, routes, server.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>

#include "api/config.h"
#include "api/dependencies.h"
#include "api/routes.h"
#include "api/tenant_context.h"
#include "platform/auth/middleware.h"
#include "platform/cache/cache.h"
#include "platform/db/transaction.h"
#include "platform/http/server.h"
#include "platform/metrics/metrics.h"
#include "platform/ratelimit/middleware.h"
#include "platform/redis/client.h"

namespace {

constexpr const char* kHelp = R"(tenantry-api: a stateless Tenantry web replica.

Configured by environment variables only (see the README for the full table):
  DATABASE_URL (required), PLATFORM_DATABASE_URL, TENANTRY_JWKS_FILE (required), TENANTRY_JWKS_CHECK_MS,
  TENANTRY_JWT_ISSUER, TENANTRY_JWT_AUDIENCE, TENANTRY_JWT_LEEWAY_S,
  TENANTRY_JWT_SIGNING_KEY_FILE, TENANTRY_ACCESS_TOKEN_TTL_S, TENANTRY_REFRESH_TOKEN_TTL_S,
  TENANTRY_PASSWORD_HASH_THREADS, TENANTRY_PASSWORD_HASH_MAX_PENDING,
  TENANTRY_PASSWORD_HASH_MAX_PENDING_PER_SOURCE, DATABASE_READ_URL, TENANTRY_DB_POOL_MIN,
  TENANTRY_DB_POOL_MAX, TENANTRY_DB_MAX_WAITERS, TENANTRY_DB_ACQUIRE_TIMEOUT_MS,
  TENANTRY_DB_STATEMENT_TIMEOUT_MS, TENANTRY_DB_IDLE_TIMEOUT_MS,
  TENANTRY_DB_MAX_LIFETIME_MS, TENANTRY_DB_STATEMENT_CACHE,
  REDIS_URL, REDIS_PASSWORD_FILE, REDIS_TLS_CA_FILE, REDIS_CACHE_URL, REDIS_RATELIMIT_URL,
  REDIS_QUEUE_URL,
  TENANTRY_CACHE_TTL_MS, TENANTRY_CACHE_TTL_JITTER_PCT, TENANTRY_RATE_LIMIT_TENANT_RPS,
  TENANTRY_RATE_LIMIT_TENANT_BURST, TENANTRY_RATE_LIMIT_FAIL_OPEN, TENANTRY_RATE_LIMIT_IP_RPS,
  TENANTRY_RATE_LIMIT_IP_BURST, TENANTRY_SIGN_IN_FAILURE_BURST,
  TENANTRY_SIGN_IN_FAILURE_INTERVAL_S, TENANTRY_SIGN_IN_ACCOUNT_BURST,
  TENANTRY_SIGN_IN_ACCOUNT_INTERVAL_S, TENANTRY_HTTP_ADDR, TENANTRY_TRUSTED_PROXIES,
  TENANTRY_HTTP_PORT, TENANTRY_ADMIN_ADDR, TENANTRY_ADMIN_PORT, TENANTRY_THREADS, TENANTRY_REPLICA,
  TENANTRY_MAX_HEADER_BYTES, TENANTRY_MAX_BODY_BYTES, TENANTRY_MAX_INFLIGHT,
  TENANTRY_MAX_CONNECTIONS,
  TENANTRY_READ_TIMEOUT_MS, TENANTRY_IDLE_TIMEOUT_MS, TENANTRY_DRAIN_DELAY_MS,
  TENANTRY_SHUTDOWN_TIMEOUT_MS, TENANTRY_DEPENDENCY_TIMEOUT_MS,
  TENANTRY_DEPENDENCY_MAX_AGE_MS,
  TENANTRY_LOG_LEVEL, TENANTRY_ENABLE_TEST_ENDPOINTS.

SIGTERM or SIGINT drains and exits 0; a second signal exits at once.
SIGHUP re-reads the JWKS file (it is also re-read within TENANTRY_JWKS_CHECK_MS
of a change).
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace tenantry;
  if (argc > 1) {
    std::string_view arg = argv[1];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (arg == "--version") {
      std::puts(TENANTRY_VERSION);
      return 0;
    }
    std::fprintf(stderr, "tenantry-api: unknown argument '%s' (see --help)\n", argv[1]);
    return 2;
  }

  api::ApiConfig config;
  try {
    config = api::ApiConfig::from_env(base::EnvReader());
  } catch (const base::ConfigError& e) {
    std::fprintf(stderr, "tenantry-api: %s\n", e.what());
    return 2;
  }

  static char stdout_buffer[64 * 1024];
  std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
  base::Logger logger(config.replica, config.log_level);
  std::optional<auth::KeyStore> keys;
  std::optional<auth::TokenIssuer> issuer;
  try {
    keys.emplace(config.jwks_file, config.jwks_check_interval, logger);
  } catch (const auth::KeyError& e) {
    std::fprintf(stderr, "tenantry-api: TENANTRY_JWKS_FILE: %s\n", e.what());
    return 2;
  }
  try {
    if (config.issuer) issuer.emplace(*config.issuer, logger);
  } catch (const auth::KeyError& e) {
    std::fprintf(stderr, "tenantry-api: TENANTRY_JWT_SIGNING_KEY_FILE: %s\n", e.what());
    return 2;
  }
  metrics::Metrics metrics(TENANTRY_VERSION);
  metrics::PasswordHashMetrics hash_metrics(metrics.registry());
  auth::PasswordHasher hasher(config.password_hashing, &hash_metrics);
  // Declared before the server: connections still on loan when its threads
  // stop go back to their pool, which counts them in these metrics.
  metrics::DbPoolMetrics primary_metrics(metrics.registry(), "primary");
  std::optional<metrics::DbPoolMetrics> read_metrics;
  if (config.read_database_url) read_metrics.emplace(metrics.registry(), "read");
  std::optional<metrics::DbPoolMetrics> platform_metrics;
  if (config.platform_database_url) platform_metrics.emplace(metrics.registry(), "platform");
  metrics::RedisMetrics cache_redis_metrics(metrics.registry(), "cache");
  metrics::RedisMetrics ratelimit_redis_metrics(metrics.registry(), "ratelimit");
  metrics::RedisMetrics queue_redis_metrics(metrics.registry(), "queue");
  http::Router router;
  http::Router admin_router;
  http::Server server(config.server, router, admin_router, logger, metrics.http());

  // One pool shard per server thread; connections open on demand.
  auto contexts = server.contexts();
  db::Pool primary(config.database, contexts, primary_metrics);
  std::optional<db::Pool> read;
  if (config.read_database_url) {
    auto read_config = config.database;
    read_config.connection.url = *config.read_database_url;
    read_config.connection.application_name = "tenantry-api-read";
    read.emplace(read_config, contexts, *read_metrics);
  }
  db::Database database(primary, read ? &*read : nullptr);
  // Operator routes only: one connection a thread at most, none until used.
  std::optional<db::Pool> platform_pool;
  std::optional<db::Database> platform_database;
  if (config.platform_database_url) {
    auto platform_config = config.database;
    platform_config.connection.url = *config.platform_database_url;
    platform_config.connection.application_name = "tenantry-api-platform";
    platform_config.min_size = 0;
    platform_config.max_size = contexts.size();
    platform_pool.emplace(platform_config, contexts, *platform_metrics);
    platform_database.emplace(*platform_pool, nullptr);
  }

  redis::ClientConfig cache_redis_config;
  cache_redis_config.concern = "cache";
  cache_redis_config.endpoint = config.cache_redis;
  redis::Client cache_redis(cache_redis_config, contexts, logger, &cache_redis_metrics);
  redis::ClientConfig ratelimit_redis_config;
  ratelimit_redis_config.concern = "ratelimit";
  ratelimit_redis_config.endpoint = config.ratelimit_redis;
  redis::Client ratelimit_redis(ratelimit_redis_config, contexts, logger, &ratelimit_redis_metrics);
  // The queue instance must never evict (docs/operations.md): its memory is
  // watched from every replica's /metrics, though only workers queue jobs.
  redis::ClientConfig queue_redis_config;
  queue_redis_config.concern = "queue";
  queue_redis_config.endpoint = config.queue_redis;
  redis::Client queue_redis(queue_redis_config, contexts, logger, &queue_redis_metrics);
  api::Dependencies dependencies(database, {&cache_redis, &ratelimit_redis, &queue_redis},
                                 config.dependency_timeout, config.dependency_max_age, logger);
  cache::Cache cache(cache_redis, config.cache, {std::string(api::kTenantRecord.name)},
                     metrics.registry(), logger);
  ratelimit::RateLimiter limiter(ratelimit_redis);
  ratelimit::Enforcer enforcer(limiter, {"tenant", "user", "client_ip", "sign_in_address", "sign_in_account"},
                               metrics.registry(), logger);

  // Per request: the client address limit (sign-in routes), the bearer
  // token, then the tenant's status and its tenant and user limits.
  router.use(ratelimit::client_ip_rate_limiting(enforcer, config.client_ip_policy));
  router.use(auth::authentication(*keys, config.token, logger));
  router.use(api::tenant_context(cache, database, enforcer, config.fallback_policy));
  api::add_health_routes(router, dependencies, [&server] { return server.draining(); });
  api::add_me_routes(router);
  if (issuer) {
    api::add_token_routes(router, database, *issuer, hasher, enforcer,
                          {config.sign_in_address_policy, config.sign_in_account_policy},
                          metrics.registry());
  }
  api::add_user_routes(router, database, hasher);
  api::add_tenant_routes(router, platform_database ? &*platform_database : nullptr, hasher, cache);
  api::add_service_account_routes(router, database);
  api::add_ping_routes(router, dependencies);
  if (config.test_endpoints) {
    logger.warn("test endpoints enabled");
    api::add_test_routes(router, database);
  }
  api::add_admin_routes(admin_router, metrics, router,
                        {&cache_redis, &ratelimit_redis, &queue_redis});
  try {
    server.bind();
  } catch (const std::exception& e) {
    logger.error("cannot start", {{"error", e.what()}});
    return 1;
  }
  // SIGHUP: re-read the JWKS file at once (key rotation).
  boost::asio::signal_set hangup(*contexts.front(), SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      keys->reload();
      await_hangup();
    });
  };
  await_hangup();
  int code = server.run();
  logger.info("exiting", {{"code", static_cast<std::int64_t>(code)}});
  return code;
}
