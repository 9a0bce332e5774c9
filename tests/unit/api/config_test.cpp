// tenantry-api configuration: defaults and validation.
#include "api/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace tenantry::api {
namespace {

base::EnvReader reader(std::map<std::string, std::string> values) {
  return base::EnvReader([values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ApiConfig, DefaultsWithOnlyDatabaseUrl) {
  auto config = ApiConfig::from_env(reader({{"DATABASE_URL", "postgresql://x/db"}}));
  EXPECT_EQ(config.server.address, "127.0.0.1");
  EXPECT_EQ(config.server.limits.max_body_bytes, 1024u * 1024u);
  EXPECT_EQ(config.server.limits.idle_timeout, std::chrono::milliseconds(75'000));
  EXPECT_EQ(config.server.drain_delay, std::chrono::milliseconds(3'000));
  EXPECT_EQ(config.redis.host, "127.0.0.1");
  EXPECT_EQ(config.redis.port, 6379);
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
           {"REDIS_PASSWORD_FILE", "/nonexistent/redis-password"}}) {
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
  EXPECT_EQ(config.redis.password, "from-file");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tenantry::api
