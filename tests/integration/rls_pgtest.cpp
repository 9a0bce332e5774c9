// Tenant isolation under Row-Level Security, on a real PostgreSQL migrated by
// tenantry-migrate, connecting as the application role (tenantry_app).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "support/services.h"

namespace tenantry::testing {
namespace {

constexpr const char* kTenantA = "00000000-0000-4000-8000-00000000000a";
constexpr const char* kTenantB = "00000000-0000-4000-8000-00000000000b";

struct Conn {
  explicit Conn(const std::string& url) : conn(PQconnectdb(url.c_str())) {
    if (PQstatus(conn) != CONNECTION_OK) {
      throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(conn));
    }
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
  }
  ~Conn() { PQfinish(conn); }

  // Runs one statement; returns the first column of every row, or throws
  // with PostgreSQL's message.
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
  // The tenant transaction of the data layer: BEGIN; set_config(..., true).
  void begin_tenant(const std::string& tenant) {
    query("BEGIN");
    query("SELECT set_config('app.tenant_id', $1, true)", {tenant});
  }
  std::string error_of(const std::string& sql) {
    try {
      query(sql);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  PGconn* conn;
};

class RlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_.migrate();
    // Seed two tenants as the owner role, the way a system transaction would:
    // the owner is subject to FORCE ROW LEVEL SECURITY too, so it sets the
    // tenant for each tenant's rows.
    Conn owner(pg_.owner_url());
    for (auto [tenant, tag] : {std::pair{kTenantA, "a"}, std::pair{kTenantB, "b"}}) {
      owner.begin_tenant(tenant);
      owner.query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)",
                  {tenant, std::string("tenant-") + tag});
      owner.query("INSERT INTO projects (tenant_id, id, name) VALUES ($1, gen_random_uuid(), $2)",
                  {tenant, std::string("project-") + tag});
      owner.query(
          "INSERT INTO tasks (tenant_id, id, project_id, title) "
          "SELECT tenant_id, gen_random_uuid(), id, 'task-' || $1::text FROM projects",
          {tag});
      owner.query(
          "INSERT INTO audit_log (tenant_id, actor, action, resource) "
          "VALUES ($1, 'seed', 'create', 'project')",
          {tenant});
      owner.query("COMMIT");
    }
  }

  PostgresServer pg_;
};

TEST_F(RlsTest, ATenantTransactionSeesOnlyItsOwnRowsWithoutAnyWhere) {
  Conn app(pg_.url());
  app.begin_tenant(kTenantA);
  EXPECT_EQ(app.query("SELECT title FROM tasks"), std::vector<std::string>{"task-a"});
  EXPECT_EQ(app.query("SELECT slug FROM tenants"), std::vector<std::string>{"tenant-a"});
  app.query("COMMIT");
}

TEST_F(RlsTest, NoTenantSetMeansNoRows) {
  Conn app(pg_.url());
  EXPECT_TRUE(app.query("SELECT title FROM tasks").empty());
  // After a tenant transaction ends the setting is '' rather than unset.
  app.begin_tenant(kTenantA);
  app.query("COMMIT");
  EXPECT_TRUE(app.query("SELECT title FROM tasks").empty());
  EXPECT_TRUE(app.query("SELECT slug FROM tenants").empty());
}

TEST_F(RlsTest, InsertingARowForAnotherTenantIsRefused) {
  Conn app(pg_.url());
  app.begin_tenant(kTenantA);
  auto error = app.error_of(std::string("INSERT INTO projects (tenant_id, id, name) VALUES ('") +
                            kTenantB + "', gen_random_uuid(), 'sneaky')");
  EXPECT_NE(error.find("row-level security"), std::string::npos) << error;
  app.query("ROLLBACK");
}

TEST_F(RlsTest, AuditLogIsAppendOnlyForTheApplication) {
  Conn app(pg_.url());
  app.begin_tenant(kTenantA);
  app.query(
      "INSERT INTO audit_log (tenant_id, actor, action, resource) "
      "VALUES ($1, 'user', 'read', 'task')",
      {kTenantA});
  EXPECT_NE(app.error_of("UPDATE audit_log SET actor = 'x'").find("permission denied"),
            std::string::npos);
  app.query("ROLLBACK");
  app.begin_tenant(kTenantA);
  EXPECT_NE(app.error_of("DELETE FROM audit_log").find("permission denied"), std::string::npos);
  app.query("ROLLBACK");
}

TEST_F(RlsTest, TheApplicationCannotDisableRowLevelSecurityOrBypassIt) {
  Conn app(pg_.url());
  EXPECT_NE(app.error_of("ALTER TABLE tasks DISABLE ROW LEVEL SECURITY").find("must be owner"),
            std::string::npos);
  EXPECT_NE(app.error_of("ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY").find("must be owner"),
            std::string::npos);
  app.query("SET row_security = off");  // errors instead of filtering, never bypasses
  EXPECT_NE(app.error_of("SELECT * FROM tasks").find("row-level security"), std::string::npos);
  app.query("RESET row_security");
  EXPECT_EQ(app.query("SELECT rolbypassrls::text FROM pg_roles WHERE rolname = current_user"),
            std::vector<std::string>{"false"});
  EXPECT_TRUE(app.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tableowner = current_user")
                  .empty());
}

TEST_F(RlsTest, NoTableShowsAnotherTenantsRows) {
  Conn app(pg_.url());
  auto tables = app.query(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = 'public' AND c.relkind = 'r' "
      "AND c.relname NOT IN ('schema_migrations', 'plans')");
  ASSERT_GE(tables.size(), 7u);
  // The one platform-wide table besides migrations: plans' rate limits,
  // which the application may read and never change.
  EXPECT_EQ(app.query("SELECT count(*) FROM plans"), std::vector<std::string>{"3"});
  EXPECT_NE(app.error_of("UPDATE plans SET user_rps = 1").find("permission denied"),
            std::string::npos);
  for (const auto& table : tables) {
    auto column = table == "tenants" ? "id" : "tenant_id";
    // Every tenant-owned table forces RLS, so even its owner is filtered.
    EXPECT_EQ(app.query("SELECT (relrowsecurity AND relforcerowsecurity)::text FROM pg_class "
                        "WHERE relname = $1",
                        {table}),
              std::vector<std::string>{"true"})
        << table;
    app.begin_tenant(kTenantA);
    std::string error;
    try {
      auto foreign = app.query(
          std::string("SELECT count(*) FROM ") + table + " WHERE " + column + " <> $1", {kTenantA});
      EXPECT_EQ(foreign, std::vector<std::string>{"0"}) << table;
    } catch (const std::exception& e) {
      error = e.what();  // no grant at all is isolation too
      EXPECT_NE(error.find("permission denied"), std::string::npos) << table << ": " << error;
    }
    app.query("ROLLBACK");
  }
}

TEST_F(RlsTest, AFailedTenantTransactionLeavesNothingForTheNextOnTheSameConnection) {
  Conn app(pg_.url());  // one connection, as a pool of size 1 would hand out
  app.begin_tenant(kTenantA);
  EXPECT_FALSE(app.error_of("SELECT 1/0").empty());
  app.query("ROLLBACK");
  app.begin_tenant(kTenantB);
  EXPECT_EQ(app.query("SELECT title FROM tasks"), std::vector<std::string>{"task-b"});
  app.query("COMMIT");
}

}  // namespace
}  // namespace tenantry::testing
