// tenantry-api configuration: defaults and validation.
#include "api/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "platform/base/file.h"

namespace tenantry::api {
namespace {

// TENANTRY_JWKS_FILE is required: present unless a test sets it.
base::EnvReader reader(std::map<std::string, std::string> values) {
  values.try_emplace("TENANTRY_JWKS_FILE", "/run/secrets/jwks.json");
  return base::EnvReader(ApiConfig::declarations(),
                         [values](std::string_view name) -> std::optional<std::string> {
                           auto it = values.find(std::string(name));
                           if (it == values.end()) return std::nullopt;
                           return it->second;
                         });
}

TEST(ApiConfig, DefaultsWithOnlyDatabaseUrl) {
  auto config = ApiConfig::from_env(reader({{"DATABASE_URL", "postgresql://x/db"}}));
  EXPECT_EQ(config.server.address, "127.0.0.1");
  EXPECT_EQ(config.server.limits.max_body_bytes, 64u * 1024u);
  EXPECT_EQ(config.server.limits.max_connections, 4096u);
  EXPECT_FALSE(config.platform_database_url);
  EXPECT_EQ(config.database.maintenance_interval, std::chrono::milliseconds(1'000));
  EXPECT_EQ(config.server.limits.idle_timeout, std::chrono::milliseconds(75'000));
  EXPECT_EQ(config.server.drain_delay, std::chrono::milliseconds(3'000));
  EXPECT_EQ(config.redis.cache.host, "127.0.0.1");
  EXPECT_EQ(config.redis.cache.port, 6379);
  EXPECT_FALSE(config.test_endpoints);
  EXPECT_GE(config.server.threads, 1u);
}

TEST(ApiConfig, MissingDatabaseUrlIsAnError) {
  EXPECT_THROW(
      {
        try {
          ApiConfig::from_env(reader({}));
        } catch (const base::ConfigError& e) {
          EXPECT_STREQ(e.what(), "DATABASE_URL: required but not set");
          throw;
        }
      },
      base::ConfigError);
}

TEST(ApiConfig, BadValuesNameTheirVariable) {
  std::map<std::string, std::string> base_env{{"DATABASE_URL", "postgresql://x/db"}};
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"TENANTRY_HTTP_PORT", "0"},
           {"TENANTRY_ADMIN_PORT", "http"},
           {"TENANTRY_THREADS", "0"},
           {"TENANTRY_MAX_BODY_BYTES", "-5"},
           {"TENANTRY_DRAIN_DELAY_MS", "soon"},
           {"TENANTRY_LOG_LEVEL", "loud"},
           {"TENANTRY_ENABLE_TEST_ENDPOINTS", "perhaps"},
           {"REDIS_URL", "memcached://x"},
           {"TENANTRY_DB_POOL_MAX", "0"},
           {"TENANTRY_JWKS_FILE", ""},
           {"TENANTRY_JWT_LEEWAY_S", "121"},
           {"TENANTRY_JWKS_CHECK_MS", "0"},
           {"TENANTRY_DB_POOL_MIN", "-1"},
           {"TENANTRY_DB_ACQUIRE_TIMEOUT_MS", "0"},
           {"TENANTRY_DB_STATEMENT_TIMEOUT_MS", "5s"},
           {"TENANTRY_DB_STATEMENT_CACHE", "sometimes"},
           {"REDIS_PASSWORD_FILE", "/nonexistent/redis-password"},
           {"REDIS_CACHE_URL", "memcached://x"},
           {"REDIS_QUEUE_URL", "queue"},
           {"REDIS_RATELIMIT_URL", "redis://"},
           {"TENANTRY_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"},
           {"TENANTRY_TRUSTED_PROXIES", "10.0.0.0/40"},
           {"TENANTRY_SIGN_IN_ACCOUNT_BURST", "0"},
           {"TENANTRY_PASSWORD_HASH_MAX_PENDING_PER_SOURCE", "0"},
           {"REDIS_TLS_CA_FILE", "/nonexistent/ca.pem"},  // and no rediss:// URL
           {"TENANTRY_CACHE_TTL_MS", "0"},
           {"TENANTRY_CACHE_TTL_JITTER_PCT", "60"},
           {"TENANTRY_RATE_LIMIT_IP_BURST", "0"},
           {"TENANTRY_SIGN_IN_FAILURE_INTERVAL_S", "0"}}) {
    auto env = base_env;
    env[name] = value;
    try {
      ApiConfig::from_env(reader(env));
      ADD_FAILURE() << name << "=" << value << " accepted";
    } catch (const base::ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(name + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(ApiConfig, DatabasePoolSettings) {
  auto defaults = ApiConfig::from_env(
      reader({{"DATABASE_URL", "postgresql://x/db"}, {"TENANTRY_THREADS", "2"}}));
  EXPECT_EQ(defaults.database.connection.url, "postgresql://x/db");
  EXPECT_EQ(defaults.database.max_size, 16u);
  EXPECT_EQ(defaults.database.min_size, 0u);
  EXPECT_EQ(defaults.database.acquire_timeout, std::chrono::milliseconds(1'000));
  EXPECT_EQ(defaults.database.connection.statement_timeout, std::chrono::milliseconds(5'000));
  EXPECT_TRUE(defaults.database.connection.statement_cache);
  EXPECT_FALSE(defaults.read_database_url);

  auto set = ApiConfig::from_env(reader({{"DATABASE_URL", "postgresql://x/db"},
                                         {"DATABASE_READ_URL", "postgresql://replica/db"},
                                         {"TENANTRY_THREADS", "2"},
                                         {"TENANTRY_DB_POOL_MAX", "4"},
                                         {"TENANTRY_DB_POOL_MIN", "2"},
                                         {"TENANTRY_DB_STATEMENT_CACHE", "false"}}));
  EXPECT_EQ(set.read_database_url, "postgresql://replica/db");
  EXPECT_EQ(set.database.max_size, 4u);
  EXPECT_EQ(set.database.min_size, 2u);
  EXPECT_FALSE(set.database.connection.statement_cache);
}

TEST(ApiConfig, TokenSettings) {
  auto config = ApiConfig::from_env(reader({{"DATABASE_URL", "x"}}));
  EXPECT_EQ(config.tokens.jwks_file, "/run/secrets/jwks.json");
  EXPECT_EQ(config.tokens.verify.issuer, "tenantry");
  EXPECT_EQ(config.tokens.verify.audience, "tenantry-api");
  EXPECT_EQ(config.tokens.verify.leeway, std::chrono::seconds(30));
  EXPECT_EQ(config.tokens.jwks_check_interval, std::chrono::milliseconds(1'000));
}

TEST(ApiConfig, APoolSmallerThanTheThreadCountIsAnError) {
  try {
    ApiConfig::from_env(
        reader({{"DATABASE_URL", "x"}, {"TENANTRY_THREADS", "4"}, {"TENANTRY_DB_POOL_MAX", "2"}}));
    ADD_FAILURE() << "accepted";
  } catch (const base::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("TENANTRY_DB_POOL_MAX: ", 0), 0u) << e.what();
  }
  EXPECT_THROW(
      ApiConfig::from_env(reader(
          {{"DATABASE_URL", "x"}, {"TENANTRY_DB_POOL_MAX", "4"}, {"TENANTRY_DB_POOL_MIN", "5"}})),
      base::ConfigError);
}

TEST(ApiConfig, SamePublicAndAdminPortIsAnError) {
  EXPECT_THROW(ApiConfig::from_env(reader({{"DATABASE_URL", "x"},
                                           {"TENANTRY_HTTP_PORT", "9000"},
                                           {"TENANTRY_ADMIN_PORT", "9000"}})),
               base::ConfigError);
}

TEST(ApiConfig, ReadsRedisPasswordFromFile) {
  auto path = std::filesystem::temp_directory_path() / "tenantry-redis-password-test";
  std::ofstream(path) << "from-file\n";
  auto config =
      ApiConfig::from_env(reader({{"DATABASE_URL", "x"}, {"REDIS_PASSWORD_FILE", path.string()}}));
  EXPECT_EQ(config.redis.cache.password, "from-file");
  std::filesystem::remove(path);
}

TEST(ApiConfig, EachRedisConcernDefaultsToRedisUrlWithItsPassword) {
  auto path = std::filesystem::temp_directory_path() / "tenantry-redis-concern-test";
  std::ofstream(path) << "secret\n";
  auto config = ApiConfig::from_env(reader({{"DATABASE_URL", "x"},
                                            {"REDIS_URL", "redis://main:6380"},
                                            {"REDIS_PASSWORD_FILE", path.string()},
                                            {"REDIS_RATELIMIT_URL", "redis://:own@limits:6381"}}));
  EXPECT_EQ(config.redis.cache.host, "main");
  EXPECT_EQ(config.redis.cache.password, "secret");
  EXPECT_EQ(config.redis.ratelimit.host, "limits");
  EXPECT_EQ(config.redis.ratelimit.password, "own");
  EXPECT_EQ(config.redis.queue.host, "main");
  EXPECT_EQ(config.redis.queue.port, 6380);
  EXPECT_EQ(config.fallback_policy.when_redis_fails, ratelimit::WhenRedisFails::kAllow);
  EXPECT_EQ(config.client_ip_policy.when_redis_fails, ratelimit::WhenRedisFails::kDecideLocally);
  EXPECT_DOUBLE_EQ(config.sign_in_address_policy.rate, 1.0 / 60);
  EXPECT_EQ(config.sign_in_address_policy.burst, 5);
  EXPECT_DOUBLE_EQ(config.sign_in_account_policy.rate, 1.0 / 10);
  EXPECT_EQ(config.sign_in_account_policy.burst, 100);
  EXPECT_EQ(config.sign_in_account_policy.when_redis_fails,
            ratelimit::WhenRedisFails::kDecideLocally);
  // Defaults at the edge: trust only loopback's forwarded header, keep the
  // admin listener on loopback, hash on all cores but one.
  EXPECT_EQ(config.server.trusted_proxies, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  EXPECT_EQ(config.server.admin_address, "127.0.0.1");
  EXPECT_EQ(config.password_hashing.threads, auth::default_password_hash_threads());
  EXPECT_EQ(config.password_hashing.max_pending_per_source, 16u);
  std::filesystem::remove(path);

  auto closed = ApiConfig::from_env(
      reader({{"DATABASE_URL", "x"}, {"TENANTRY_RATE_LIMIT_FAIL_OPEN", "false"}}));
  EXPECT_EQ(closed.fallback_policy.when_redis_fails, ratelimit::WhenRedisFails::kRefuse);
  try {
    ApiConfig::from_env(reader({{"DATABASE_URL", "x"},
                                {"REDIS_CACHE_URL", "rediss://cache:6380"},
                                {"REDIS_TLS_CA_FILE", "/nonexistent/ca.pem"}}));
    ADD_FAILURE() << "an unreadable CA file was accepted";
  } catch (const base::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("REDIS_TLS_CA_FILE: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace tenantry::api
