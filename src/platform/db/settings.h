// The database pool's settings (DATABASE_URL and TENANTRY_DB_*): declared
// once, read into a PoolConfig.
#pragma once

#include "platform/base/config.h"
#include "platform/db/pool.h"

namespace tenantry::db {

base::SettingGroup pool_settings();
// The whole of tenantry-migrate's settings (MIGRATE_DATABASE_URL), and of
// tenantryctl's (SYSTEM_DATABASE_URL).
base::Declarations migrate_declarations();
base::Declarations system_declarations();
// `threads`: the server's; the pool has at least one connection for each.
// Throws base::ConfigError naming the first bad variable.
PoolConfig read_pool_config(const base::EnvReader& env, unsigned threads);

}  // namespace tenantry::db
