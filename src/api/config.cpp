// Reading ApiConfig from the environment.
#include "api/config.h"

#include <unistd.h>

#include <thread>

#include "platform/base/file.h"

namespace tenantry::api {
namespace {

using std::chrono::milliseconds;

std::string read_secret_file(std::string_view variable, const std::string& path) {
  auto text = base::read_file(path);
  if (!text) throw base::ConfigError(std::string(variable) + ": cannot read file " + path);
  auto secret = std::move(*text);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty())
    throw base::ConfigError(std::string(variable) + ": file " + path + " is empty");
  return secret;
}

std::string default_replica_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "api";
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

ApiConfig ApiConfig::from_env(const base::EnvReader& env) {
  ApiConfig config;
  auto& server = config.server;
  server.address = env.string("TENANTRY_HTTP_ADDR", "127.0.0.1");
  server.admin_address = env.string("TENANTRY_ADMIN_ADDR", "127.0.0.1");
  server.trusted_proxies.clear();
  auto proxies = env.string("TENANTRY_TRUSTED_PROXIES", "127.0.0.0/8,::1/128");
  for (std::size_t start = 0; start <= proxies.size();) {
    auto comma = std::min(proxies.find(',', start), proxies.size());
    auto cidr = proxies.substr(start, comma - start);
    start = comma + 1;
    if (cidr.empty()) continue;
    if (!http::is_valid_cidr(cidr))
      throw base::ConfigError("TENANTRY_TRUSTED_PROXIES: '" + cidr +
                              "' is not an address or CIDR block (e.g. 10.0.0.0/8)");
    server.trusted_proxies.push_back(cidr);
  }
  server.port = static_cast<unsigned short>(env.integer("TENANTRY_HTTP_PORT", 8081, 1, 65535));
  server.admin_port =
      static_cast<unsigned short>(env.integer("TENANTRY_ADMIN_PORT", 9091, 1, 65535));
  if (server.port == server.admin_port) {
    throw base::ConfigError("TENANTRY_ADMIN_PORT: must differ from TENANTRY_HTTP_PORT");
  }
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  server.threads = static_cast<unsigned>(env.integer("TENANTRY_THREADS", cores, 1, 256));

  auto& limits = server.limits;
  limits.max_header_bytes = static_cast<std::size_t>(
      env.integer("TENANTRY_MAX_HEADER_BYTES", 16 * 1024, 1024, 1024 * 1024));
  limits.max_body_bytes = static_cast<std::size_t>(
      env.integer("TENANTRY_MAX_BODY_BYTES", 64 * 1024, 1024, 1024 * 1024 * 1024));
  limits.read_timeout = env.millis("TENANTRY_READ_TIMEOUT_MS", milliseconds(10'000),
                                   milliseconds(100), milliseconds(600'000));
  limits.idle_timeout = env.millis("TENANTRY_IDLE_TIMEOUT_MS", milliseconds(75'000),
                                   milliseconds(100), milliseconds(3'600'000));
  limits.max_in_flight =
      static_cast<std::size_t>(env.integer("TENANTRY_MAX_INFLIGHT", 1024, 1, 1'000'000));
  limits.max_connections =
      static_cast<std::size_t>(env.integer("TENANTRY_MAX_CONNECTIONS", 4096, 1, 1'000'000));
  server.drain_delay = env.millis("TENANTRY_DRAIN_DELAY_MS", milliseconds(3'000), milliseconds(0),
                                  milliseconds(600'000));
  server.shutdown_timeout = env.millis("TENANTRY_SHUTDOWN_TIMEOUT_MS", milliseconds(20'000),
                                       milliseconds(100), milliseconds(3'600'000));

  auto& database = config.database;
  database.connection.url = env.required("DATABASE_URL");
  database.connection.application_name = "tenantry-api";
  config.read_database_url = env.optional("DATABASE_READ_URL");
  config.platform_database_url = env.optional("PLATFORM_DATABASE_URL");
  database.max_size = static_cast<std::size_t>(
      env.integer("TENANTRY_DB_POOL_MAX", std::max<std::int64_t>(16, server.threads), 1, 10'000));
  database.min_size = static_cast<std::size_t>(
      env.integer("TENANTRY_DB_POOL_MIN", 0, 0, static_cast<std::int64_t>(database.max_size)));
  if (database.max_size < server.threads) {
    throw base::ConfigError("TENANTRY_DB_POOL_MAX: must be at least TENANTRY_THREADS (" +
                            std::to_string(server.threads) + "): each thread has its own share");
  }
  database.max_waiters =
      static_cast<std::size_t>(env.integer("TENANTRY_DB_MAX_WAITERS", 1024, 1, 1'000'000));
  database.acquire_timeout = env.millis("TENANTRY_DB_ACQUIRE_TIMEOUT_MS", milliseconds(1'000),
                                        milliseconds(1), milliseconds(60'000));
  database.connection.statement_timeout =
      env.millis("TENANTRY_DB_STATEMENT_TIMEOUT_MS", milliseconds(5'000), milliseconds(1),
                 milliseconds(3'600'000));
  database.idle_timeout = env.millis("TENANTRY_DB_IDLE_TIMEOUT_MS", milliseconds(60'000),
                                     milliseconds(100), milliseconds(86'400'000));
  database.max_lifetime = env.millis("TENANTRY_DB_MAX_LIFETIME_MS", milliseconds(1'800'000),
                                     milliseconds(1'000), milliseconds(86'400'000));
  database.connection.statement_cache = env.boolean("TENANTRY_DB_STATEMENT_CACHE", true);
  // Idle timeout, lifetime and the minimum are kept within a second, with
  // or without requests.
  database.maintenance_interval = std::min(milliseconds(1'000), database.idle_timeout);
  config.redis = redis::parse_url("REDIS_URL", env.string("REDIS_URL", "redis://127.0.0.1:6379"));
  if (auto file = env.optional("REDIS_PASSWORD_FILE")) {
    config.redis.password = read_secret_file("REDIS_PASSWORD_FILE", *file);
  }
  config.redis.tls_ca_file = env.string("REDIS_TLS_CA_FILE", "");
  config.jwks_file = env.required("TENANTRY_JWKS_FILE");
  config.jwks_check_interval = env.millis("TENANTRY_JWKS_CHECK_MS", milliseconds(1'000),
                                          milliseconds(10), milliseconds(60'000));
  config.token.issuer = env.string("TENANTRY_JWT_ISSUER", "tenantry");
  config.token.audience = env.string("TENANTRY_JWT_AUDIENCE", "tenantry-api");
  config.token.leeway = std::chrono::seconds(env.integer("TENANTRY_JWT_LEEWAY_S", 30, 0, 120));
  if (auto key = env.optional("TENANTRY_JWT_SIGNING_KEY_FILE")) {
    auth::IssuerConfig issuer;
    issuer.signing_key_file = *key;
    issuer.issuer = config.token.issuer;
    issuer.audience = config.token.audience;
    issuer.access_ttl =
        std::chrono::seconds(env.integer("TENANTRY_ACCESS_TOKEN_TTL_S", 900, 60, 86'400));
    issuer.refresh_ttl = std::chrono::seconds(
        env.integer("TENANTRY_REFRESH_TOKEN_TTL_S", 30 * 86'400, 300, 365 * 86'400));
    issuer.check_interval = config.jwks_check_interval;
    config.issuer = issuer;
  }
  auto& hashing = config.password_hashing;
  hashing.threads = static_cast<unsigned>(env.integer(
      "TENANTRY_PASSWORD_HASH_THREADS", auth::default_password_hash_threads(), 1, 64));
  hashing.max_pending =
      static_cast<std::size_t>(env.integer("TENANTRY_PASSWORD_HASH_MAX_PENDING", 64, 1, 100'000));
  hashing.max_pending_per_source = static_cast<std::size_t>(
      env.integer("TENANTRY_PASSWORD_HASH_MAX_PENDING_PER_SOURCE",
                  static_cast<long long>(std::max<std::size_t>(1, hashing.max_pending / 4)), 1,
                  100'000));
  auto concern = [&](const char* variable) {
    auto url = env.optional(variable);
    if (!url) return config.redis;
    auto endpoint = redis::parse_url(variable, *url);
    if (endpoint.password.empty()) endpoint.password = config.redis.password;
    endpoint.tls_ca_file = config.redis.tls_ca_file;
    return endpoint;
  };
  config.cache_redis = concern("REDIS_CACHE_URL");
  config.ratelimit_redis = concern("REDIS_RATELIMIT_URL");
  config.queue_redis = concern("REDIS_QUEUE_URL");
  bool any_tls = false;
  for (const auto* endpoint :
       {&config.redis, &config.cache_redis, &config.ratelimit_redis, &config.queue_redis}) {
    if (!endpoint->tls) continue;
    any_tls = true;
    try {
      redis::make_tls_context(*endpoint);  // a CA file that cannot be loaded stops the start
    } catch (const base::ConfigError& e) {
      throw base::ConfigError(std::string("REDIS_TLS_CA_FILE: ") + e.what());
    }
  }
  if (!config.redis.tls_ca_file.empty() && !any_tls) {
    throw base::ConfigError(
        "REDIS_TLS_CA_FILE: set, but no Redis URL is rediss:// (it would be ignored)");
  }
  config.cache.ttl = env.millis("TENANTRY_CACHE_TTL_MS", milliseconds(60'000), milliseconds(100),
                                milliseconds(86'400'000));
  config.cache.ttl_jitter =
      static_cast<double>(env.integer("TENANTRY_CACHE_TTL_JITTER_PCT", 10, 0, 50)) / 100;
  config.cache.wait_timeout = database.connection.statement_timeout + milliseconds(1'000);
  auto& fallback = config.fallback_policy;
  fallback.rate =
      static_cast<double>(env.integer("TENANTRY_RATE_LIMIT_TENANT_RPS", 100, 1, 1'000'000));
  fallback.burst =
      static_cast<long>(env.integer("TENANTRY_RATE_LIMIT_TENANT_BURST", 200, 1, 10'000'000));
  fallback.when_redis_fails = env.boolean("TENANTRY_RATE_LIMIT_FAIL_OPEN", true)
                                  ? ratelimit::WhenRedisFails::kAllow
                                  : ratelimit::WhenRedisFails::kRefuse;
  config.client_ip_policy.rate =
      static_cast<double>(env.integer("TENANTRY_RATE_LIMIT_IP_RPS", 10, 1, 1'000'000));
  config.client_ip_policy.burst =
      static_cast<long>(env.integer("TENANTRY_RATE_LIMIT_IP_BURST", 30, 1, 10'000'000));
  config.sign_in_address_policy.burst =
      static_cast<long>(env.integer("TENANTRY_SIGN_IN_FAILURE_BURST", 5, 1, 1'000));
  config.sign_in_address_policy.rate =
      1.0 / static_cast<double>(env.integer("TENANTRY_SIGN_IN_FAILURE_INTERVAL_S", 60, 1, 86'400));
  config.sign_in_account_policy.burst =
      static_cast<long>(env.integer("TENANTRY_SIGN_IN_ACCOUNT_BURST", 100, 1, 100'000));
  config.sign_in_account_policy.rate =
      1.0 / static_cast<double>(env.integer("TENANTRY_SIGN_IN_ACCOUNT_INTERVAL_S", 10, 1, 86'400));
  config.dependency_timeout = env.millis("TENANTRY_DEPENDENCY_TIMEOUT_MS", milliseconds(1'000),
                                         milliseconds(10), milliseconds(60'000));
  config.dependency_max_age = env.millis("TENANTRY_DEPENDENCY_MAX_AGE_MS", milliseconds(250),
                                         milliseconds(0), milliseconds(10'000));
  config.replica = env.string("TENANTRY_REPLICA", default_replica_name());
  config.log_level =
      base::parse_log_level("TENANTRY_LOG_LEVEL", env.string("TENANTRY_LOG_LEVEL", "info"));
  config.test_endpoints = env.boolean("TENANTRY_ENABLE_TEST_ENDPOINTS", false);
  return config;
}

}  // namespace tenantry::api
