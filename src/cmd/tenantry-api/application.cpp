// The layers of tenantry-api and their wiring, in the order they are built.
#include "cmd/tenantry-api/application.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <optional>

#include "api/dependencies.h"
#include "api/routes.h"
#include "api/tenant_context.h"
#include "platform/auth/key_store.h"
#include "platform/auth/middleware.h"
#include "platform/cache/cache.h"
#include "platform/db/transaction.h"
#include "platform/http/server.h"
#include "platform/metrics/metrics.h"
#include "platform/ratelimit/middleware.h"
#include "platform/redis/client.h"

namespace tenantry::app {

struct Application::Telemetry {
  explicit Telemetry(const api::ApiConfig& config)
      : logger(config.replica, config.log_level),
        metrics(TENANTRY_VERSION),
        http(metrics),
        hashing(metrics.registry()),
        primary_pool(metrics.registry(), "primary"),
        cache_redis(metrics.registry(), "cache"),
        ratelimit_redis(metrics.registry(), "ratelimit"),
        queue_redis(metrics.registry(), "queue") {
    if (config.read_database_url) read_pool.emplace(metrics.registry(), "read");
    if (config.platform_database_url) platform_pool.emplace(metrics.registry(), "platform");
  }

  base::Logger logger;
  metrics::Metrics metrics;
  http::HttpMetrics http;
  auth::PasswordHashMetrics hashing;
  db::PoolMetrics primary_pool;
  std::optional<db::PoolMetrics> read_pool;
  std::optional<db::PoolMetrics> platform_pool;
  redis::ClientMetrics cache_redis;
  redis::ClientMetrics ratelimit_redis;
  redis::ClientMetrics queue_redis;
};

// The verification keys (required) and the signing key (optional); a file
// that does not parse stops the start.
struct Application::Keys {
  Keys(const auth::TokenConfig& config, base::Logger& logger) {
    try {
      verification.emplace(config.jwks_file, config.jwks_check_interval, logger);
    } catch (const auth::KeyError& e) {
      throw StartupError(std::string("TENANTRY_JWKS_FILE: ") + e.what(), 2);
    }
    try {
      if (config.issuer) issuer.emplace(*config.issuer, logger);
    } catch (const auth::KeyError& e) {
      throw StartupError(std::string("TENANTRY_JWT_SIGNING_KEY_FILE: ") + e.what(), 2);
    }
  }

  std::optional<auth::KeyStore> verification;
  std::optional<auth::TokenIssuer> issuer;
};

struct Application::Server {
  Server(const http::ServerConfig& config, Telemetry& telemetry)
      : http(config, router, admin_router, telemetry.logger, telemetry.http),
        hangup(*http.contexts().front(), SIGHUP) {}

  http::Router router;
  http::Router admin_router;
  http::Server http;
  boost::asio::signal_set hangup;  // SIGHUP: re-read the JWKS file at once
};

namespace {

db::PoolConfig pool_config(db::PoolConfig config, const std::string& url, const char* name) {
  config.connection.url = url;
  config.connection.application_name = name;
  return config;
}

redis::ClientConfig redis_config(const char* concern, const redis::Endpoint& endpoint) {
  redis::ClientConfig config;
  config.concern = concern;
  config.endpoint = endpoint;
  return config;
}

}  // namespace

// One pool shard and one Redis connection per server thread; connections
// open on demand.
struct Application::Stores {
  Stores(const api::ApiConfig& config, Telemetry& telemetry,
         std::span<boost::asio::io_context* const> contexts)
      : primary(config.database, contexts, telemetry.primary_pool),
        cache_redis(redis_config("cache", config.redis.cache), contexts, telemetry.logger,
                    &telemetry.cache_redis),
        ratelimit_redis(redis_config("ratelimit", config.redis.ratelimit), contexts,
                        telemetry.logger, &telemetry.ratelimit_redis),
        queue_redis(redis_config("queue", config.redis.queue), contexts, telemetry.logger,
                    &telemetry.queue_redis) {
    if (config.read_database_url) {
      read.emplace(pool_config(config.database, *config.read_database_url, "tenantry-api-read"),
                   contexts, *telemetry.read_pool);
    }
    database.emplace(primary, read ? &*read : nullptr);
    // Operator routes only: one connection a thread at most, none until used.
    if (config.platform_database_url) {
      auto platform_config =
          pool_config(config.database, *config.platform_database_url, "tenantry-api-platform");
      platform_config.min_size = 0;
      platform_config.max_size = contexts.size();
      platform_pool.emplace(platform_config, contexts, *telemetry.platform_pool);
      platform.emplace(*platform_pool, nullptr);
    }
  }

  std::vector<redis::Client*> redis() { return {&cache_redis, &ratelimit_redis, &queue_redis}; }

  db::Pool primary;
  std::optional<db::Pool> read;
  std::optional<db::Database> database;
  std::optional<db::Pool> platform_pool;
  std::optional<db::Database> platform;
  redis::Client cache_redis;
  redis::Client ratelimit_redis;
  // The queue instance must never evict (docs/operations.md): its memory is
  // watched from every replica's /metrics, though only workers queue jobs.
  redis::Client queue_redis;
};

struct Application::Services {
  Services(const api::ApiConfig& config, Telemetry& telemetry, Stores& stores)
      : dependencies(*stores.database, stores.redis(), config.dependency_timeout,
                     config.dependency_max_age, telemetry.logger),
        cache(stores.cache_redis, config.cache, {std::string(api::kTenantRecord.name)},
              telemetry.metrics.registry(), telemetry.logger),
        limiter(stores.ratelimit_redis),
        enforcer(limiter, {"tenant", "user", "client_ip", "sign_in_address", "sign_in_account"},
                 telemetry.metrics.registry(), telemetry.logger),
        hasher(config.password_hashing, &telemetry.hashing) {}

  api::Dependencies dependencies;
  cache::Cache cache;
  ratelimit::RateLimiter limiter;
  ratelimit::Enforcer enforcer;
  auth::PasswordHasher hasher;
};

Application::Application(api::ApiConfig config) : config_(std::move(config)) {
  telemetry_ = std::make_unique<Telemetry>(config_);
  keys_ = std::make_unique<Keys>(config_.tokens, telemetry_->logger);
  server_ = std::make_unique<Server>(config_.server, *telemetry_);
  stores_ = std::make_unique<Stores>(config_, *telemetry_, server_->http.contexts());
  services_ = std::make_unique<Services>(config_, *telemetry_, *stores_);
  add_routes();
  try {
    server_->http.bind();
  } catch (const std::exception& e) {
    telemetry_->logger.error("cannot start", {{"error", e.what()}});
    throw StartupError(e.what(), 1);
  }
}

// The reverse of the constructor. The server's threads have stopped when
// run() returns, so no request is using a service or a store; connections
// still on loan go back to their pool, which counts them in telemetry's
// metrics, so telemetry goes last.
Application::~Application() {
  services_.reset();
  stores_.reset();
  server_.reset();
  keys_.reset();
  telemetry_.reset();
}

// Per request: the client address limit (sign-in routes), the bearer
// token, then the tenant's status and its tenant and user limits.
void Application::add_routes() {
  auto& router = server_->router;
  auto& database = *stores_->database;
  auto& services = *services_;
  router.use(ratelimit::client_ip_rate_limiting(services.enforcer, config_.client_ip_policy));
  router.use(auth::authentication(*keys_->verification, config_.tokens.verify, telemetry_->logger));
  router.use(
      api::tenant_context(services.cache, database, services.enforcer, config_.fallback_policy));
  api::add_health_routes(router, services.dependencies,
                         [server = &server_->http] { return server->draining(); });
  api::add_me_routes(router);
  if (keys_->issuer) {
    api::add_token_routes(router, database, *keys_->issuer, services.hasher, services.enforcer,
                          {config_.sign_in_address_policy, config_.sign_in_account_policy},
                          telemetry_->metrics.registry());
  }
  api::add_user_routes(router, database, services.hasher);
  api::add_tenant_routes(router, stores_->platform ? &*stores_->platform : nullptr, services.hasher,
                         services.cache);
  api::add_service_account_routes(router, database);
  api::add_ping_routes(router, services.dependencies);
  if (config_.test_endpoints) {
    telemetry_->logger.warn("test endpoints enabled");
    api::add_test_routes(router, database);
  }
  api::add_admin_routes(server_->admin_router, telemetry_->metrics, router, stores_->redis());
}

int Application::run() {
  std::function<void()> await_hangup = [&] {
    server_->hangup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      keys_->verification->reload();
      await_hangup();
    });
  };
  await_hangup();
  int code = server_->http.run();
  telemetry_->logger.info("exiting", {{"code", static_cast<std::int64_t>(code)}});
  return code;
}

}  // namespace tenantry::app
