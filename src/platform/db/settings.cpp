// The database pool's settings and their reading.
#include "platform/db/settings.h"

#include <algorithm>
#include <string>

namespace tenantry::db {
namespace {

using base::SettingType;

constexpr base::Setting kSettings[] = {
    {.name = "DATABASE_URL",
     .type = SettingType::kUrl,
     .help = "libpq connection URI of the primary (its `options` setting is replaced by the "
             "statement timeout)",
     .required = true,
     .secret = true},
    {"TENANTRY_DB_POOL_MAX", SettingType::kInteger, "16, or the thread count if larger",
     "connections per process (per pool), split evenly over the threads; at least "
     "`TENANTRY_THREADS`",
     1, 10'000},
    {"TENANTRY_DB_POOL_MIN", SettingType::kInteger, "0",
     "connections opened at start and kept open (re-opened within a second when lost, unless "
     "connecting is backing off); idle ones never closed below this",
     0, 10'000},
    {"TENANTRY_DB_MAX_WAITERS", SettingType::kInteger, "1024",
     "callers waiting for a connection; beyond, 503 at once", 1, 1'000'000},
    {"TENANTRY_DB_ACQUIRE_TIMEOUT_MS", SettingType::kDuration, "1000",
     "wait for a connection (or to open one); then 503", 1, 60'000},
    {"TENANTRY_DB_STATEMENT_TIMEOUT_MS", SettingType::kDuration, "5000",
     "server-side `statement_timeout`; the client gives up 1 s later and closes the connection", 1,
     3'600'000},
    {"TENANTRY_DB_IDLE_TIMEOUT_MS", SettingType::kDuration, "60000",
     "idle connections above the minimum close after this (checked every second, requests or "
     "not)",
     100, 86'400'000},
    {"TENANTRY_DB_MAX_LIFETIME_MS", SettingType::kDuration, "1800000",
     "connections are replaced after this: an idle one is closed within a second, one on loan "
     "when it comes back",
     1'000, 86'400'000},
    {"TENANTRY_DB_STATEMENT_CACHE", SettingType::kBoolean, "true",
     "prepare each statement once per connection; `false` behind PgBouncer in transaction mode"},
};

constexpr base::Setting kMigrateSettings[] = {
    {.name = "MIGRATE_DATABASE_URL",
     .type = SettingType::kUrl,
     .help = "libpq URI of the database, connecting as the schema owner role (not the "
             "application role); required by `up`, `status` and `plan`",
     .secret = true},
};

constexpr base::Setting kSystemSettings[] = {
    {.name = "SYSTEM_DATABASE_URL",
     .type = SettingType::kUrl,
     .help = "libpq URI of the database as `tenantry_system` (no row-level security); required "
             "by `tenant create`, `plan set` and `plan list`",
     .secret = true},
};

}  // namespace

base::SettingGroup pool_settings() { return {"PostgreSQL", kSettings}; }

base::Declarations migrate_declarations() {
  return {{"PostgreSQL", kMigrateSettings}, {"Process", base::kProcessSettings}};
}

base::Declarations system_declarations() {
  return {{"PostgreSQL", kSystemSettings}, {"Process", base::kProcessSettings}};
}

PoolConfig read_pool_config(const base::EnvReader& env, unsigned threads) {
  PoolConfig pool;
  pool.connection.url = env.text("DATABASE_URL");
  pool.max_size = static_cast<std::size_t>(
      env.integer("TENANTRY_DB_POOL_MAX", std::max<std::int64_t>(16, threads)));
  pool.min_size = static_cast<std::size_t>(env.integer("TENANTRY_DB_POOL_MIN"));
  if (pool.min_size > pool.max_size)
    throw base::ConfigError("TENANTRY_DB_POOL_MIN: must be at most TENANTRY_DB_POOL_MAX (" +
                            std::to_string(pool.max_size) + ")");
  if (pool.max_size < threads)
    throw base::ConfigError("TENANTRY_DB_POOL_MAX: must be at least TENANTRY_THREADS (" +
                            std::to_string(threads) + "): each thread has its own share");
  pool.max_waiters = static_cast<std::size_t>(env.integer("TENANTRY_DB_MAX_WAITERS"));
  pool.acquire_timeout = env.millis("TENANTRY_DB_ACQUIRE_TIMEOUT_MS");
  pool.connection.statement_timeout = env.millis("TENANTRY_DB_STATEMENT_TIMEOUT_MS");
  pool.idle_timeout = env.millis("TENANTRY_DB_IDLE_TIMEOUT_MS");
  pool.max_lifetime = env.millis("TENANTRY_DB_MAX_LIFETIME_MS");
  pool.connection.statement_cache = env.boolean("TENANTRY_DB_STATEMENT_CACHE");
  // Idle timeout, lifetime and the minimum are kept within a second, with
  // or without requests.
  pool.maintenance_interval = std::min(std::chrono::milliseconds(1'000), pool.idle_timeout);
  return pool;
}

}  // namespace tenantry::db
