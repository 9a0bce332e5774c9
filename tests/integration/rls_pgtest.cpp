// Tenant isolation under Row-Level Security, on a real PostgreSQL migrated by
// tenantry-migrate, connecting as the application role (tenantry_app) and
// entering a tenant as the data layer does (SELECT app_enter_tenant($1)).
// The tables come from pg_catalog, not from a list in this file: a table
// added without a policy, or with a permissive one, fails the test, and the
// test proves it can by planting both mistakes in its own scratch server.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/pg_session.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

constexpr const char* kTenantA = "00000000-0000-4000-8000-00000000000a";
constexpr const char* kTenantB = "00000000-0000-4000-8000-00000000000b";
constexpr const char* kRefused = "42501";  // insufficient_privilege: no grant, or a policy's check

// The first column of every row, or throws: the existing tests' shorthand.
class AppSession : public PgSession {
 public:
  using PgSession::PgSession;
  std::vector<std::string> query(const std::string& sql, const std::vector<std::string>& p = {}) {
    return column(sql, p);
  }
  // The data layer's tenant transaction: BEGIN; SELECT app_enter_tenant($1).
  void begin_tenant(const std::string& tenant) {
    query("BEGIN");
    query("SELECT app_enter_tenant($1)", {tenant});
  }
};

// Both tenants' rows in every tenant table of the schema, written as the
// owner. The owner is under FORCE ROW LEVEL SECURITY too, so it scopes each
// tenant's transaction (set_config: the tenant row does not exist yet, and
// app_enter_tenant would refuse it). A table added by a migration needs a
// line here: RowLevelSecurityHidesEveryOtherTenantsRow fails until it has one.
void seed(PgSession& owner, const std::string& tenant, const std::string& tag) {
  auto must = [&owner](const std::string& sql, const std::vector<std::string>& params) {
    auto out = owner.run(sql, params);
    if (!out.ok) throw std::runtime_error("seed: " + sql + ": " + out.message);
    return out;
  };
  must("BEGIN", {});
  must("SELECT set_config('app.tenant_id', $1, true)", {tenant});
  must("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)", {tenant, "tenant-" + tag});
  must("INSERT INTO projects (tenant_id, id, name) VALUES ($1, gen_random_uuid(), $2)",
       {tenant, "project-" + tag});
  must(
      "INSERT INTO tasks (tenant_id, id, project_id, title) "
      "SELECT tenant_id, gen_random_uuid(), id, 'task-' || $1::text FROM projects",
      {tag});
  must(
      "INSERT INTO audit_log (tenant_id, actor, action, resource) "
      "VALUES ($1, 'seed', 'create', 'project')",
      {tenant});
  must(
      "INSERT INTO users (tenant_id, id, email, email_canonical, role) "
      "VALUES ($1, gen_random_uuid(), $2, $2, 'member')",
      {tenant, "user@" + tag + ".example"});
  must(
      "INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, token_hash, expires_at) "
      "SELECT tenant_id, gen_random_uuid(), gen_random_uuid(), id, "
      "encode(sha256(convert_to($1, 'UTF8')), 'hex'), now() + interval '1 day' FROM users",
      {"refresh-" + tag});
  must(
      "INSERT INTO service_accounts (tenant_id, id, name, role, secret_hash) "
      "VALUES ($1, gen_random_uuid(), $2, 'member', encode(sha256(convert_to($2, 'UTF8')), "
      "'hex'))",
      {tenant, "robot-" + tag});
  must(
      "INSERT INTO outbox (tenant_id, queue, kind, payload) "
      "VALUES ($1, 'default', 'seed', jsonb_build_object('tag', $2::text))",
      {tenant, tag});
  must(
      "INSERT INTO idempotency_keys (tenant_id, key, request_hash, expires_at) "
      "VALUES ($1, $2, 'hash', now() + interval '1 day')",
      {tenant, "key-" + tag});
  must("COMMIT", {});
}

// What tenant A's transaction, as the application, can see or do to rows
// that are not A's, in every tenant table of the catalog: one line per
// leak, none when isolation holds. The same check runs on the migrated
// schema and on schemas with a planted leak (the self-checks below).
//
// Per table: the table enables and forces RLS; tenant B has a row there
// (else the check would prove nothing) and so has A (copied for the INSERT);
// A's transaction sees all of A's rows (so app_enter_tenant did scope it)
// and none of anyone else's; UPDATE and DELETE of other tenants' rows affect
// nothing; moving A's rows to B and inserting a row for B are refused
// (42501: no grant, or the policy's WITH CHECK). Every statement runs in its
// own transaction, rolled back.
std::vector<std::string> leaks_seen_from_a(const PostgresServer& pg) {
  std::vector<std::string> leaks;
  PgSession super(pg.superuser_url());  // superusers bypass Row-Level Security
  PgSession app(pg.url());
  auto tables = tenant_tables(app);
  if (tables.size() < 9)
    leaks.push_back("only " + std::to_string(tables.size()) + " tenant tables");
  for (const auto& t : tables) {
    auto where = [&t](const std::string& op) { return " WHERE " + t.tenant_column + op; };
    auto seeded = [&](const std::string& op, const std::string& tenant) {
      return std::stol(
          super.column("SELECT count(*) FROM " + t.quoted + where(op + " $1::uuid"), {tenant})[0]);
    };
    long b_rows = seeded(" =", kTenantB), a_rows = seeded(" =", kTenantA);
    if (b_rows == 0) leaks.push_back(t.name + ": no row of tenant B to hide: seed one");
    if (a_rows == 0) leaks.push_back(t.name + ": no row of tenant A: seed one");

    bool is_table = t.kind == 'r' || t.kind == 'p';
    if (is_table && super.column("SELECT (relrowsecurity AND relforcerowsecurity)::text "
                                 "FROM pg_class WHERE oid = $1::regclass",
                                 {t.quoted})[0] != "true")
      leaks.push_back(t.name + ": row-level security is not enabled and forced");

    // One statement in A's transaction; its outcome, then rolled back.
    auto in_a = [&](const std::string& sql, const std::vector<std::string>& params = {}) {
      app.column("BEGIN");
      auto entered = app.run("SELECT app_enter_tenant($1)", {kTenantA});
      auto out = entered.ok ? app.run(sql, params) : entered;
      app.column("ROLLBACK");
      return out;
    };
    auto note = [&](const std::string& what, const SqlOutcome& out, bool refusal_expected) {
      if (!out.ok && out.sqlstate != kRefused)
        leaks.push_back(t.name + ": " + what + " failed other than by refusal: " + out.message);
      else if (out.ok && refusal_expected && out.affected > 0)
        leaks.push_back(t.name + ": " + what + " wrote " + std::to_string(out.affected) +
                        " row(s)");
      else if (out.ok && !refusal_expected && out.affected > 0)
        leaks.push_back(t.name + ": " + what + " reached " + std::to_string(out.affected) +
                        " row(s) of another tenant");
    };

    auto seen = in_a("SELECT count(*) FILTER (WHERE " + t.tenant_column +
                         " IS DISTINCT FROM $1::uuid), count(*) FILTER (WHERE " + t.tenant_column +
                         " = $1::uuid) FROM " + t.quoted,
                     {kTenantA});
    if (seen.ok) {
      if (*seen.rows[0][0] != "0")
        leaks.push_back(t.name + ": SELECT sees " + *seen.rows[0][0] + " row(s) of another tenant");
      if (std::stol(*seen.rows[0][1]) != a_rows)
        leaks.push_back(t.name + ": SELECT sees " + *seen.rows[0][1] + " of A's " +
                        std::to_string(a_rows) + " row(s): was the tenant entered?");
    } else if (seen.sqlstate != kRefused) {
      leaks.push_back(t.name + ": SELECT failed: " + seen.message);
    }
    if (!is_table) continue;

    // A column the application may update, if any (tenants: a column grant).
    auto updatable = app.column(
        "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = $1::regclass "
        "AND attnum > 0 AND NOT attisdropped "
        "AND has_column_privilege(current_user, attrelid, attnum, 'UPDATE') ORDER BY attnum",
        {t.quoted});
    auto column = updatable.empty() ? t.tenant_column : updatable[0];
    note("UPDATE of other tenants' rows",
         in_a("UPDATE " + t.quoted + " SET " + column + " = " + column +
                  where(" IS DISTINCT FROM $1::uuid"),
              {kTenantA}),
         false);
    note("DELETE of other tenants' rows",
         in_a("DELETE FROM " + t.quoted + where(" IS DISTINCT FROM $1::uuid"), {kTenantA}), false);
    note("UPDATE moving A's rows to B",
         in_a("UPDATE " + t.quoted + " SET " + t.tenant_column + " = $2::uuid" +
                  where(" = $1::uuid"),
              {kTenantA, kTenantB}),
         true);
    // A copy of one of A's rows with B's tenant (identity columns left to
    // their default).
    auto columns = app.column(
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
        "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped "
        "AND attidentity <> 'a' AND attgenerated = ''",
        {t.quoted})[0];
    note("INSERT of a row for B",
         in_a("INSERT INTO " + t.quoted + " (" + columns + ") SELECT " + columns +
                  " FROM jsonb_populate_record(NULL::" + t.quoted + ", (SELECT to_jsonb(s) FROM " +
                  t.quoted + " s LIMIT 1) || jsonb_build_object($1::text, $2::text))",
              {t.tenant_column, kTenantB}),
         true);
  }
  return leaks;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}
bool any_starts_with(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const auto& line : lines)
    if (line.starts_with(prefix)) return true;
  return false;
}

class RlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_.migrate();
    PgSession owner(pg_.owner_url());
    seed(owner, kTenantA, "a");
    seed(owner, kTenantB, "b");
  }

  PostgresServer pg_;
};

TEST_F(RlsTest, ATenantTransactionSeesOnlyItsOwnRowsWithoutAnyWhere) {
  AppSession app(pg_.url());
  app.begin_tenant(kTenantA);
  EXPECT_EQ(app.query("SELECT title FROM tasks"), std::vector<std::string>{"task-a"});
  EXPECT_EQ(app.query("SELECT slug FROM tenants"), std::vector<std::string>{"tenant-a"});
  app.query("COMMIT");
}

TEST_F(RlsTest, NoTenantSetMeansNoRows) {
  AppSession app(pg_.url());
  EXPECT_TRUE(app.query("SELECT title FROM tasks").empty());
  // After a tenant transaction ends the setting is '' rather than unset.
  app.begin_tenant(kTenantA);
  app.query("COMMIT");
  EXPECT_TRUE(app.query("SELECT title FROM tasks").empty());
  EXPECT_TRUE(app.query("SELECT slug FROM tenants").empty());
}

TEST_F(RlsTest, InsertingARowForAnotherTenantIsRefused) {
  AppSession app(pg_.url());
  app.begin_tenant(kTenantA);
  auto error = app.error_of(std::string("INSERT INTO projects (tenant_id, id, name) VALUES ('") +
                            kTenantB + "', gen_random_uuid(), 'sneaky')");
  EXPECT_NE(error.find("row-level security"), std::string::npos) << error;
  app.query("ROLLBACK");
}

TEST_F(RlsTest, AuditLogIsAppendOnlyForTheApplication) {
  AppSession app(pg_.url());
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
  AppSession app(pg_.url());
  EXPECT_NE(app.error_of("ALTER TABLE tasks DISABLE ROW LEVEL SECURITY").find("must be owner"),
            std::string::npos);
  EXPECT_NE(app.error_of("ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY").find("must be owner"),
            std::string::npos);
  EXPECT_NE(app.error_of("CREATE POLICY leak ON tasks USING (true)").find("must be owner"),
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

TEST_F(RlsTest, RowLevelSecurityHidesEveryOtherTenantsRow) {
  // The tables the check covers, from the catalog: at least the nine of the
  // migrations so far (a catalog query that found none would check nothing).
  PgSession app(pg_.url());
  std::vector<std::string> names;
  for (const auto& t : tenant_tables(app)) names.push_back(t.name);
  for (const char* expected : {"tenants", "users", "projects", "tasks", "audit_log", "outbox",
                               "idempotency_keys", "refresh_tokens", "service_accounts"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;

  auto leaks = leaks_seen_from_a(pg_);
  EXPECT_TRUE(leaks.empty()) << joined(leaks);
}

TEST_F(RlsTest, PlansArePlatformWideAndReadOnlyForTheApplication) {
  // The one platform-wide table besides migrations: plans' rate limits,
  // which the application may read and never change.
  AppSession app(pg_.url());
  EXPECT_EQ(app.query("SELECT count(*) FROM plans"), std::vector<std::string>{"3"});
  EXPECT_NE(app.error_of("UPDATE plans SET user_rps = 1").find("permission denied"),
            std::string::npos);
  EXPECT_NE(app.error_of("DELETE FROM plans").find("permission denied"), std::string::npos);
  // Every other table of the schema holds tenants' data (a tenant_id), and
  // RowLevelSecurityHidesEveryOtherTenantsRow checks it. A new table without
  // one fails here until someone decides it is platform-wide, like plans.
  EXPECT_EQ(app.query("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                      "c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
                      "AND c.relname <> 'tenants' AND NOT EXISTS (SELECT 1 FROM pg_attribute a "
                      "WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') ORDER BY 1"),
            (std::vector<std::string>{"plans", "schema_migrations"}));
}

// The check catches a permissive policy: one `USING (true)` policy added
// next to a table's own (policies are OR'ed) is reported, on that table
// only, and the report ends when it is dropped.
TEST_F(RlsTest, TheCheckReportsAPermissivePolicy) {
  PgSession owner(pg_.owner_url());
  ASSERT_EQ(owner.error_of("CREATE POLICY leak ON projects USING (true)"), "");
  auto leaks = leaks_seen_from_a(pg_);
  EXPECT_TRUE(any_starts_with(leaks, "projects: SELECT sees 1 row(s) of another tenant"))
      << joined(leaks);
  EXPECT_TRUE(any_starts_with(leaks, "projects: DELETE of other tenants' rows")) << joined(leaks);
  EXPECT_TRUE(any_starts_with(leaks, "projects: INSERT of a row for B")) << joined(leaks);
  for (const auto& line : leaks) EXPECT_TRUE(line.starts_with("projects: ")) << line;

  ASSERT_EQ(owner.error_of("DROP POLICY leak ON projects"), "");
  leaks = leaks_seen_from_a(pg_);
  EXPECT_TRUE(leaks.empty()) << joined(leaks);
}

// The check catches a new table without Row-Level Security (and one that
// nobody seeded), and passes it once it has the migrations' policy.
TEST_F(RlsTest, TheCheckReportsATableWithoutAPolicy) {
  PgSession owner(pg_.owner_url());
  ASSERT_EQ(owner.error_of("CREATE TABLE notes (tenant_id uuid NOT NULL REFERENCES tenants (id), "
                           "id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, id))"),
            "");
  ASSERT_EQ(owner.error_of("GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO tenantry_app"), "");
  auto leaks = leaks_seen_from_a(pg_);
  EXPECT_TRUE(any_starts_with(leaks, "notes: no row of tenant B to hide")) << joined(leaks);
  EXPECT_TRUE(any_starts_with(leaks, "notes: row-level security is not enabled and forced"))
      << joined(leaks);

  for (const char* tenant : {kTenantA, kTenantB})
    ASSERT_EQ(owner.error_of("INSERT INTO notes VALUES ($1, gen_random_uuid(), 'note')", {tenant}),
              "");
  leaks = leaks_seen_from_a(pg_);
  EXPECT_TRUE(any_starts_with(leaks, "notes: SELECT sees 1 row(s) of another tenant"))
      << joined(leaks);
  EXPECT_TRUE(any_starts_with(leaks, "notes: UPDATE of other tenants' rows")) << joined(leaks);
  EXPECT_TRUE(any_starts_with(leaks, "notes: INSERT of a row for B")) << joined(leaks);
  for (const auto& line : leaks) EXPECT_TRUE(line.starts_with("notes: ")) << line;

  for (const char* fix :
       {"ALTER TABLE notes ENABLE ROW LEVEL SECURITY", "ALTER TABLE notes FORCE ROW LEVEL SECURITY",
        "CREATE POLICY tenant_isolation ON notes USING (tenant_id = app_tenant_id()) "
        "WITH CHECK (tenant_id = app_tenant_id())"})
    ASSERT_EQ(owner.error_of(fix), "") << fix;
  leaks = leaks_seen_from_a(pg_);
  EXPECT_TRUE(leaks.empty()) << joined(leaks);
}

TEST_F(RlsTest, AFailedTenantTransactionLeavesNothingForTheNextOnTheSameConnection) {
  AppSession app(pg_.url());  // one connection, as a pool of size 1 would hand out
  app.begin_tenant(kTenantA);
  EXPECT_FALSE(app.error_of("SELECT 1/0").empty());
  app.query("ROLLBACK");
  app.begin_tenant(kTenantB);
  EXPECT_EQ(app.query("SELECT title FROM tasks"), std::vector<std::string>{"task-b"});
  app.query("COMMIT");
}

}  // namespace
}  // namespace tenantry::testing
