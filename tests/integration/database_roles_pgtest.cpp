// What each database role may do, on a real PostgreSQL migrated by
// tenantry-migrate (migration 0009): the application role cannot write a
// tenant row or enter a suspended tenant, only the platform role can, under
// Row-Level Security all the same; neither makes temporary objects; every
// procedural function pins its search_path; and the tenant policy is still
// inlined onto the primary-key index.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "support/services.h"

namespace tenantry::testing {
namespace {

constexpr const char* kActive = "00000000-0000-4000-8000-0000000000a1";
constexpr const char* kSuspended = "00000000-0000-4000-8000-0000000000b2";
constexpr const char* kNew = "00000000-0000-4000-8000-0000000000c3";

struct Session {
  explicit Session(const std::string& url) : conn(PQconnectdb(url.c_str())) {
    if (PQstatus(conn) != CONNECTION_OK) {
      throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(conn));
    }
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
  }
  ~Session() { PQfinish(conn); }

  // The first column of every row; throws with PostgreSQL's message.
  std::vector<std::string> query(const std::string& sql, std::vector<std::string> params = {}) {
    std::vector<const char*> values;
    for (auto& p : params) values.push_back(p.c_str());
    std::unique_ptr<PGresult, decltype(&PQclear)> res(
        PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                     nullptr, nullptr, 0),
        &PQclear);
    auto status = PQresultStatus(res.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      throw std::runtime_error(PQresultErrorMessage(res.get()));
    }
    std::vector<std::string> rows;
    for (int r = 0; r < PQntuples(res.get()); ++r) rows.emplace_back(PQgetvalue(res.get(), r, 0));
    return rows;
  }
  // PostgreSQL's message for a statement that must fail ("" if it did not),
  // in a transaction of its own.
  std::string error_of(const std::string& sql, std::vector<std::string> params = {}) {
    std::string error;
    try {
      query(sql, std::move(params));
    } catch (const std::exception& e) {
      error = e.what();
    }
    query("ROLLBACK");
    return error;
  }

  PGconn* conn;
};

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

class DatabaseRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_.migrate();
    Session owner(pg_.owner_url());
    for (auto [tenant, slug, status] : {std::tuple{kActive, "active-one", "active"},
                                        std::tuple{kSuspended, "suspended-one", "suspended"}}) {
      owner.query("BEGIN");
      owner.query("SELECT set_config('app.tenant_id', $1, true)", {tenant});
      owner.query("INSERT INTO tenants (id, slug, name, status) VALUES ($1, $2, $2, $3)",
                  {tenant, slug, status});
      owner.query("COMMIT");
    }
  }

  PostgresServer pg_;
};

TEST_F(DatabaseRolesTest, TheApplicationRoleCannotWriteATenantRowNotEvenItsOwn) {
  Session app(pg_.url());
  app.query("BEGIN");
  app.query("SELECT app_enter_tenant($1)", {kActive});
  EXPECT_EQ(app.query("SELECT plan FROM tenants"), std::vector<std::string>{"free"});  // reads it
  EXPECT_NE(app.error_of("UPDATE tenants SET plan = 'enterprise', status = 'active'")
                .find("permission denied for table tenants"),
            std::string::npos);
  app.query("BEGIN");
  app.query("SELECT set_config('app.tenant_id', $1, true)", {kNew});
  EXPECT_NE(app.error_of("INSERT INTO tenants (id, slug, name) VALUES ($1, 'mine', 'Mine')", {kNew})
                .find("permission denied for table tenants"),
            std::string::npos);
}

TEST_F(DatabaseRolesTest, OnlyThePlatformRoleEntersASuspendedTenantAndStillUnderRls) {
  Session app(pg_.url());
  app.query("BEGIN");
  EXPECT_NE(app.error_of("SELECT app_enter_tenant($1, true)", {kSuspended})
                .find("only the platform role enters a tenant whatever its status"),
            std::string::npos);
  app.query("BEGIN");
  EXPECT_NE(app.error_of("SELECT app_enter_tenant($1)", {kSuspended}).find("is not active"),
            std::string::npos);

  Session platform(pg_.platform_url());
  platform.query("BEGIN");
  platform.query("SELECT app_enter_tenant($1, true)", {kSuspended});
  EXPECT_EQ(platform.query("UPDATE tenants SET status = 'active', plan = 'pro' RETURNING status"),
            std::vector<std::string>{"active"});
  // The other tenant's row is out of its transaction's reach.
  EXPECT_TRUE(
      platform.query("UPDATE tenants SET plan = 'enterprise' WHERE id = $1 RETURNING id", {kActive})
          .empty());
  platform.query("COMMIT");
  Session owner(pg_.owner_url());
  owner.query("BEGIN");
  owner.query("SELECT set_config('app.tenant_id', $1, true)", {kActive});
  EXPECT_EQ(owner.query("SELECT plan FROM tenants"), std::vector<std::string>{"free"});
  owner.query("COMMIT");
}

TEST_F(DatabaseRolesTest, TheRolesThatServeRequestsMakeNoTemporaryObjects) {
  for (const auto& url : {pg_.url(), pg_.platform_url()}) {
    Session session(url);
    session.query("BEGIN");
    EXPECT_NE(session.error_of("CREATE TEMP TABLE tenants (id uuid)").find("permission denied"),
              std::string::npos)
        << url;
  }
}

TEST_F(DatabaseRolesTest, EveryProceduralFunctionPinsItsSearchPath) {
  Session owner(pg_.owner_url());
  auto functions = owner.query(
      "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
      "JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname = 'public' "
      "AND (l.lanname <> 'sql' OR p.prosecdef) ORDER BY 1");
  EXPECT_GE(functions.size(), 4u) << joined(functions);  // enter, sign-in, failure, trigger
  auto unpinned = owner.query(
      "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
      "JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname = 'public' "
      "AND (l.lanname <> 'sql' OR p.prosecdef) AND NOT EXISTS ("
      "  SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS setting"
      "  WHERE setting = 'search_path=pg_catalog, pg_temp') ORDER BY 1");
  EXPECT_TRUE(unpinned.empty()) << "search_path not pinned in:\n" << joined(unpinned);
}

TEST_F(DatabaseRolesTest, TheTenantPolicyIsInlinedOntoThePrimaryKeyIndex) {
  Session app(pg_.url());
  app.query("BEGIN");
  app.query("SELECT app_enter_tenant($1)", {kActive});
  app.query("SET LOCAL enable_seqscan = off");
  auto plan = joined(app.query(
      "EXPLAIN (VERBOSE, COSTS OFF) SELECT email FROM users "
      "WHERE id = '00000000-0000-4000-8000-000000000001'"));
  app.query("COMMIT");
  EXPECT_NE(plan.find("Index Scan using users_pkey"), std::string::npos) << plan;
  // Inlined: the policy's condition is the function's body, in the index condition.
  EXPECT_NE(plan.find("current_setting('app.tenant_id'::text, true)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("app_tenant_id()"), std::string::npos) << plan;
}

}  // namespace
}  // namespace tenantry::testing
