// What each database role may do, on a real PostgreSQL migrated by
// tenantry-migrate (migration 0009): the application role cannot write a
// tenant row or enter a suspended tenant, only the platform role can, under
// Row-Level Security all the same; neither makes temporary objects; every
// procedural function pins its search_path; and the tenant policy is still
// inlined onto the primary-key index.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/pg_session.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

constexpr const char* kActive = "00000000-0000-4000-8000-0000000000a1";
constexpr const char* kSuspended = "00000000-0000-4000-8000-0000000000b2";
constexpr const char* kNew = "00000000-0000-4000-8000-0000000000c3";

// PostgreSQL's message for a statement that must fail ("" if it did not);
// then the transaction it was in is rolled back.
std::string refused(PgSession& session, const std::string& sql,
                    const std::vector<std::string>& params = {}) {
  auto error = session.error_of(sql, params);
  session.column("ROLLBACK");
  return error;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

class DatabaseRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_.migrate();
    PgSession owner(pg_.owner_url());
    for (auto [tenant, slug, status] : {std::tuple{kActive, "active-one", "active"},
                                        std::tuple{kSuspended, "suspended-one", "suspended"}}) {
      owner.column("BEGIN");
      owner.column("SELECT set_config('app.tenant_id', $1, true)", {tenant});
      owner.column("INSERT INTO tenants (id, slug, name, status) VALUES ($1, $2, $2, $3)",
                  {tenant, slug, status});
      owner.column("COMMIT");
    }
  }

  PostgresServer pg_;
};

TEST_F(DatabaseRolesTest, TheApplicationRoleCannotWriteATenantRowNotEvenItsOwn) {
  PgSession app(pg_.url());
  app.column("BEGIN");
  app.column("SELECT app_enter_tenant($1)", {kActive});
  EXPECT_EQ(app.column("SELECT plan FROM tenants"), std::vector<std::string>{"free"});  // reads it
  EXPECT_NE(refused(app, "UPDATE tenants SET plan = 'enterprise', status = 'active'")
                .find("permission denied for table tenants"),
            std::string::npos);
  app.column("BEGIN");
  app.column("SELECT set_config('app.tenant_id', $1, true)", {kNew});
  EXPECT_NE(refused(app, "INSERT INTO tenants (id, slug, name) VALUES ($1, 'mine', 'Mine')", {kNew})
                .find("permission denied for table tenants"),
            std::string::npos);
}

TEST_F(DatabaseRolesTest, OnlyThePlatformRoleEntersASuspendedTenantAndStillUnderRls) {
  PgSession app(pg_.url());
  app.column("BEGIN");
  EXPECT_NE(refused(app, "SELECT app_enter_tenant($1, true)", {kSuspended})
                .find("only the platform role enters a tenant whatever its status"),
            std::string::npos);
  app.column("BEGIN");
  EXPECT_NE(refused(app, "SELECT app_enter_tenant($1)", {kSuspended}).find("is not active"),
            std::string::npos);

  PgSession platform(pg_.platform_url());
  platform.column("BEGIN");
  platform.column("SELECT app_enter_tenant($1, true)", {kSuspended});
  EXPECT_EQ(platform.column("UPDATE tenants SET status = 'active', plan = 'pro' RETURNING status"),
            std::vector<std::string>{"active"});
  // The other tenant's row is out of its transaction's reach.
  EXPECT_TRUE(
      platform.column("UPDATE tenants SET plan = 'enterprise' WHERE id = $1 RETURNING id", {kActive})
          .empty());
  platform.column("COMMIT");
  PgSession owner(pg_.owner_url());
  owner.column("BEGIN");
  owner.column("SELECT set_config('app.tenant_id', $1, true)", {kActive});
  EXPECT_EQ(owner.column("SELECT plan FROM tenants"), std::vector<std::string>{"free"});
  owner.column("COMMIT");
}

TEST_F(DatabaseRolesTest, TheRolesThatServeRequestsMakeNoTemporaryObjects) {
  for (const auto& url : {pg_.url(), pg_.platform_url()}) {
    PgSession session(url);
    session.column("BEGIN");
    EXPECT_NE(refused(session, "CREATE TEMP TABLE tenants (id uuid)").find("permission denied"),
              std::string::npos)
        << url;
  }
}

TEST_F(DatabaseRolesTest, EveryProceduralFunctionPinsItsSearchPath) {
  PgSession owner(pg_.owner_url());
  auto functions = owner.column(
      "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
      "JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname = 'public' "
      "AND (l.lanname <> 'sql' OR p.prosecdef) ORDER BY 1");
  EXPECT_GE(functions.size(), 4u) << joined(functions);  // enter, sign-in, failure, trigger
  auto unpinned = owner.column(
      "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
      "JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname = 'public' "
      "AND (l.lanname <> 'sql' OR p.prosecdef) AND NOT EXISTS ("
      "  SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS setting"
      "  WHERE setting = 'search_path=pg_catalog, pg_temp') ORDER BY 1");
  EXPECT_TRUE(unpinned.empty()) << "search_path not pinned in:\n" << joined(unpinned);
}

TEST_F(DatabaseRolesTest, TheTenantPolicyIsInlinedOntoThePrimaryKeyIndex) {
  PgSession app(pg_.url());
  app.column("BEGIN");
  app.column("SELECT app_enter_tenant($1)", {kActive});
  app.column("SET LOCAL enable_seqscan = off");
  auto plan = joined(app.column(
      "EXPLAIN (VERBOSE, COSTS OFF) SELECT email FROM users "
      "WHERE id = '00000000-0000-4000-8000-000000000001'"));
  app.column("COMMIT");
  EXPECT_NE(plan.find("Index Scan using users_pkey"), std::string::npos) << plan;
  // Inlined: the policy's condition is the function's body, in the index condition.
  EXPECT_NE(plan.find("current_setting('app.tenant_id'::text, true)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("app_tenant_id()"), std::string::npos) << plan;
}

}  // namespace
}  // namespace tenantry::testing
