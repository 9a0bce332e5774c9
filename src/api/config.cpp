// tenantry-api's own settings (database roles, rate-limit policies,
// readiness, logging) and the reading of all of them into an ApiConfig.
#include "api/config.h"

#include <unistd.h>

namespace tenantry::api {
namespace {

using base::SettingType;

constexpr base::Setting kDatabaseRoles[] = {
    {.name = "DATABASE_READ_URL",
     .type = SettingType::kUrl,
     .help = "read-only transactions go there (a replica); unset, to the primary",
     .secret = true},
    {.name = "PLATFORM_DATABASE_URL",
     .type = SettingType::kUrl,
     .help = "libpq URI of the platform role (`tenantry_platform`), used by the operator routes "
             "only (`POST`/`PATCH /v1/tenants`), on a pool of one connection per thread at "
             "most; unset, those routes answer 503 `platform-database-unconfigured`",
     .secret = true},
};

constexpr base::Setting kRateLimits[] = {
    {"TENANTRY_RATE_LIMIT_TENANT_RPS", SettingType::kInteger, "100",
     "the tenant rate when a tenant's plan cannot be read (PostgreSQL and the cache "
     "unreachable); otherwise the plan's (table `plans`) applies",
     1, 1'000'000},
    {"TENANTRY_RATE_LIMIT_TENANT_BURST", SettingType::kInteger, "200",
     "the burst that goes with it", 1, 10'000'000},
    {"TENANTRY_RATE_LIMIT_FAIL_OPEN", SettingType::kBoolean, "true",
     "when Redis cannot decide a tenant or user limit: allow (counted as `failed_open`) or, "
     "`false`, refuse with 503 problem+json `rate-limit-unavailable` and `Retry-After: 1` "
     "(counted as `failed_closed`); either is warned at most every 10 s"},
    {"TENANTRY_RATE_LIMIT_IP_RPS", SettingType::kInteger, "10",
     "sign-in requests (`/v1/auth/token`, `/v1/auth/revoke`) per second per client address", 1,
     1'000'000},
    {"TENANTRY_RATE_LIMIT_IP_BURST", SettingType::kInteger, "30", "the burst that goes with it", 1,
     10'000'000},
    {"TENANTRY_SIGN_IN_FAILURE_BURST", SettingType::kInteger, "5",
     "failed password sign-ins an account may have from one client address; then 429 before "
     "any password check (each attempt is counted first and refunded when the password was "
     "right)",
     1, 1'000},
    {"TENANTRY_SIGN_IN_FAILURE_INTERVAL_S", SettingType::kInteger, "60",
     "after that, one more attempt per this many seconds", 1, 86'400},
    {"TENANTRY_SIGN_IN_ACCOUNT_BURST", SettingType::kInteger, "100",
     "failed sign-ins an account may have from all addresses together (locking it out takes 20 "
     "addresses at once)",
     1, 100'000},
    {"TENANTRY_SIGN_IN_ACCOUNT_INTERVAL_S", SettingType::kInteger, "10",
     "after that, one more per this many seconds (6 a minute: 6 addresses keep it locked, and "
     "guessing is held to 8,640 a day)",
     1, 86'400},
};

constexpr base::Setting kReplica[] = {
    {"TENANTRY_REPLICA", SettingType::kText, "hostname:pid", "name in every log line"},
    {"TENANTRY_DEPENDENCY_TIMEOUT_MS", SettingType::kDuration, "1000",
     "bound of each readiness check of PostgreSQL (`SELECT 1` through the pool) and Redis "
     "(PING)",
     10, 60'000},
    {"TENANTRY_DEPENDENCY_MAX_AGE_MS", SettingType::kDuration, "250",
     "`/readyz` and `/v1/ping` report a status at most this old: one check per interval, "
     "however many arrive",
     0, 10'000},
    {"TENANTRY_LOG_LEVEL", SettingType::kText, "info", "`debug`, `info`, `warn`, `error`"},
    {"TENANTRY_ENABLE_TEST_ENDPOINTS", SettingType::kBoolean, "0",
     "`1` adds `GET /v1/test/sleep?ms=N`, `GET /v1/test/db-sleep?ms=N` (holds a pooled "
     "connection), `GET /v1/test/noop` and `GET /v1/test/noop-authenticated` (tests and "
     "benchmarks only, on a replica's own port: HAProxy answers 404 to every `/v1/test/` path)"},
};

std::string default_replica_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "api";
  return std::string(host) + ":" + std::to_string(getpid());
}

ratelimit::Policy per_second(ratelimit::Policy policy, const base::EnvReader& env,
                             std::string_view rps, std::string_view burst) {
  policy.rate = static_cast<double>(env.integer(rps));
  policy.burst = static_cast<long>(env.integer(burst));
  return policy;
}

ratelimit::Policy one_per_interval(ratelimit::Policy policy, const base::EnvReader& env,
                                   std::string_view burst, std::string_view interval) {
  policy.burst = static_cast<long>(env.integer(burst));
  policy.rate = 1.0 / static_cast<double>(env.integer(interval));
  return policy;
}

}  // namespace

base::Declarations ApiConfig::declarations() {
  return {http::server_settings(),
          db::pool_settings(),
          {"PostgreSQL roles", kDatabaseRoles},
          redis::endpoint_settings(),
          auth::token_settings(),
          auth::password_settings(),
          cache::cache_settings(),
          {"Rate limits", kRateLimits},
          {"Replica", kReplica},
          {"Process", base::kProcessSettings}};
}

ApiConfig ApiConfig::from_env(const base::EnvReader& env) {
  ApiConfig config;
  config.server = http::read_server_config(env);
  config.database = db::read_pool_config(env, config.server.threads);
  config.database.connection.application_name = "tenantry-api";
  config.read_database_url = env.optional("DATABASE_READ_URL");
  config.platform_database_url = env.optional("PLATFORM_DATABASE_URL");
  config.redis = redis::read_endpoints(env);
  config.tokens = auth::read_token_config(env);
  config.password_hashing = auth::read_password_hasher_config(env);
  config.cache = cache::read_cache_config(env);
  // A follower waits for a load at most as long as the load's query may run.
  config.cache.wait_timeout =
      config.database.connection.statement_timeout + std::chrono::milliseconds(1'000);

  config.fallback_policy = per_second(config.fallback_policy, env, "TENANTRY_RATE_LIMIT_TENANT_RPS",
                                      "TENANTRY_RATE_LIMIT_TENANT_BURST");
  config.fallback_policy.when_redis_fails = env.boolean("TENANTRY_RATE_LIMIT_FAIL_OPEN")
                                                ? ratelimit::WhenRedisFails::kAllow
                                                : ratelimit::WhenRedisFails::kRefuse;
  config.client_ip_policy = per_second(config.client_ip_policy, env, "TENANTRY_RATE_LIMIT_IP_RPS",
                                       "TENANTRY_RATE_LIMIT_IP_BURST");
  config.sign_in_address_policy =
      one_per_interval(config.sign_in_address_policy, env, "TENANTRY_SIGN_IN_FAILURE_BURST",
                       "TENANTRY_SIGN_IN_FAILURE_INTERVAL_S");
  config.sign_in_account_policy =
      one_per_interval(config.sign_in_account_policy, env, "TENANTRY_SIGN_IN_ACCOUNT_BURST",
                       "TENANTRY_SIGN_IN_ACCOUNT_INTERVAL_S");

  config.dependency_timeout = env.millis("TENANTRY_DEPENDENCY_TIMEOUT_MS");
  config.dependency_max_age = env.millis("TENANTRY_DEPENDENCY_MAX_AGE_MS");
  auto replica = env.optional("TENANTRY_REPLICA");
  config.replica = replica ? *replica : default_replica_name();
  config.log_level = base::parse_log_level("TENANTRY_LOG_LEVEL", env.text("TENANTRY_LOG_LEVEL"));
  config.test_endpoints = env.boolean("TENANTRY_ENABLE_TEST_ENDPOINTS");
  return config;
}

}  // namespace tenantry::api
