// Migration names, statement splitting and every lint rule of tenantry-migrate: a failing and a
// passing example each, with the line the finding must name.
#include "platform/db/migration_lint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tenantry::db {
namespace {

using namespace std::string_literals;

MigrationFile migration(const std::string& name, const std::string& sql) {
  std::string error;
  auto file = parse_migration_name(name, sql, error);
  EXPECT_TRUE(file.has_value()) << error;
  return file.value_or(MigrationFile{});
}

std::vector<LintFinding> lint_expand(const std::string& sql) {
  return lint_migration(migration("0005_expand_change.sql", sql));
}

std::vector<LintFinding> lint_contract(const std::string& sql) {
  return lint_migration(migration("0009_contract_cleanup.sql", sql));
}

std::string describe(const std::vector<LintFinding>& findings) {
  std::string out;
  for (const auto& finding : findings) out += "\n  " + to_string(finding);
  return out.empty() ? " (none)" : out;
}

// Exactly one finding, with this rule and line.
void expect_only(const std::vector<LintFinding>& findings, const std::string& rule, int line) {
  ASSERT_EQ(findings.size(), 1u) << describe(findings);
  EXPECT_EQ(findings[0].rule, rule) << describe(findings);
  EXPECT_EQ(findings[0].line, line) << describe(findings);
  EXPECT_FALSE(findings[0].message.empty());
}

void expect_clean(const std::vector<LintFinding>& findings) {
  EXPECT_TRUE(findings.empty()) << describe(findings);
}

// --- split_statements --------------------------------------------------------------------------

TEST(SplitStatements, SplitsOnSemicolonsWithStartLines) {
  auto statements = split_statements("SELECT 1;\nSELECT 2;\n\n  SELECT\n  3;");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0].text, "SELECT 1");
  EXPECT_EQ(statements[0].line, 1);
  EXPECT_EQ(statements[1].text, "SELECT 2");
  EXPECT_EQ(statements[1].line, 2);
  EXPECT_EQ(statements[2].text, "SELECT\n  3");
  EXPECT_EQ(statements[2].line, 4);
}

TEST(SplitStatements, DropsEmptyStatementsAndKeepsALastOneWithoutSemicolon) {
  auto statements = split_statements(";;  ;\n-- only a comment\n;SELECT 1;;\nSELECT 2\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].text, "SELECT 1");
  EXPECT_EQ(statements[0].line, 3);
  EXPECT_EQ(statements[1].text, "SELECT 2");
  EXPECT_EQ(statements[1].line, 4);
  EXPECT_TRUE(split_statements("").empty());
  EXPECT_TRUE(split_statements("  -- nothing\n/* at all; */\n").empty());
}

TEST(SplitStatements, IgnoresSemicolonsInStringsAndQuotedIdentifiers) {
  auto statements = split_statements(
      "INSERT INTO t VALUES ('a;b', 'it''s; fine', E'back\\'slash;');\n"
      "SELECT \"odd;name\", \"with \"\" quote;\" FROM t;\n"
      "SELECT 'multi\nline;\nstring';\n"
      "SELECT 4;");
  ASSERT_EQ(statements.size(), 4u);
  EXPECT_EQ(statements[0].text, "INSERT INTO t VALUES ('a;b', 'it''s; fine', E'back\\'slash;')");
  EXPECT_EQ(statements[1].text, "SELECT \"odd;name\", \"with \"\" quote;\" FROM t");
  EXPECT_EQ(statements[1].line, 2);
  EXPECT_EQ(statements[2].line, 3);
  EXPECT_EQ(statements[3].text, "SELECT 4");
  EXPECT_EQ(statements[3].line, 6);
}

TEST(SplitStatements, IgnoresSemicolonsInDollarQuotedBodies) {
  auto statements = split_statements(
      "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;\n"
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$\n"
      "BEGIN\n"
      "  EXECUTE $q$SELECT 1; $$ not the end; $q$;\n"
      "  RETURN 1;\n"
      "END\n"
      "$fn$;\n"
      "PREPARE p AS SELECT $1::int; SELECT a$b FROM t;");
  ASSERT_EQ(statements.size(), 4u);
  EXPECT_EQ(statements[0].text, "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$");
  EXPECT_EQ(statements[1].line, 2);
  EXPECT_TRUE(statements[1].text.ends_with("END\n$fn$"));
  EXPECT_EQ(statements[2].text, "PREPARE p AS SELECT $1::int");
  EXPECT_EQ(statements[2].line, 8);
  EXPECT_EQ(statements[3].text, "SELECT a$b FROM t");
  EXPECT_EQ(statements[3].line, 8);
}

TEST(SplitStatements, IgnoresSemicolonsInCommentsAndLeavesOutLeadingComments) {
  auto statements = split_statements(
      "-- header; with a semicolon\n"
      "/* block; comment\n"
      "   over lines; /* nested; */ still; comment */\n"
      "CREATE TABLE t ( -- inline; comment\n"
      "  id int /* ; */\n"
      ");\n"
      "SELECT 1 -- trailing; comment\n"
      ";\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].line, 4);
  EXPECT_EQ(statements[0].text, "CREATE TABLE t ( -- inline; comment\n  id int /* ; */\n)");
  EXPECT_EQ(statements[1].line, 7);
  EXPECT_EQ(statements[1].text, "SELECT 1");
}

TEST(SplitStatements, KeepsASqlStandardFunctionBodyWhole) {
  // BEGIN ATOMIC ... END holds ';' outside any string: only the grammar knows where it ends.
  auto statements = split_statements(
      "CREATE FUNCTION one() RETURNS int LANGUAGE sql\n"
      "BEGIN ATOMIC\n"
      "  SELECT 1;\n"
      "  SELECT 1;\n"
      "END;\n"
      "SELECT one();");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_TRUE(statements[0].text.ends_with("SELECT 1;\nEND"));
  EXPECT_EQ(statements[1].text, "SELECT one()");
  EXPECT_EQ(statements[1].line, 6);
}

TEST(SplitStatements, ReturnsSqlThatDoesNotParseWhole) {
  // Run as one, it makes PostgreSQL report the error at its place in the file.
  const std::string sql = "SELECT 1;\nSELEC 2;\nSELECT 3;";
  auto statements = split_statements(sql);
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0].text, sql);
  EXPECT_EQ(statements[0].line, 1);
}

// --- parse_migration_name ----------------------------------------------------------------------

TEST(ParseMigrationName, AcceptsExpandAndContract) {
  std::string error;
  auto expand = parse_migration_name("0002_expand_add_task_due_date.sql", "SELECT 1;", error);
  ASSERT_TRUE(expand.has_value()) << error;
  EXPECT_EQ(expand->name, "0002_expand_add_task_due_date.sql");
  EXPECT_EQ(expand->version, 2);
  EXPECT_EQ(expand->phase, MigrationPhase::kExpand);
  EXPECT_EQ(expand->sql, "SELECT 1;");

  auto contract = parse_migration_name("1234_contract_drop_legacy_notes_v2.sql", "", error);
  ASSERT_TRUE(contract.has_value()) << error;
  EXPECT_EQ(contract->version, 1234);
  EXPECT_EQ(contract->phase, MigrationPhase::kContract);
}

TEST(ParseMigrationName, RejectsBadNamesWithAnErrorNamingTheFile) {
  for (const char* name :
       {"0002_expand_add.txt", "0002_expand_add.SQL", "002_expand_add.sql", "00002_expand_add.sql",
        "0000_expand_initial.sql", "0002_change_add.sql", "0002_Expand_add.sql", "0002_expand_.sql",
        "0002_expand.sql", "0002_expand_Add_Column.sql", "0002_expand_add-column.sql",
        "abcd_expand_add.sql", "0002-expand-add.sql", "", "0002_expand_add.sql.bak"}) {
    std::string error;
    EXPECT_FALSE(parse_migration_name(name, "", error).has_value()) << name;
    EXPECT_TRUE(error.starts_with(std::string(name) + ": ")) << error;
  }
}

TEST(LintFinding, FormatsAsFileLineRuleMessage) {
  EXPECT_EQ(to_string({"0002_expand_x.sql", 7, "no-rename", "do not."}),
            "0002_expand_x.sql:7: no-rename: do not.");
}

// --- must_run_outside_transaction --------------------------------------------------------------

TEST(MustRunOutsideTransaction, RecognizesConcurrentlyAndVacuum) {
  auto outside = [](const std::string& sql) { return must_run_outside_transaction({sql, 1}); };
  EXPECT_TRUE(outside("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)"));
  EXPECT_TRUE(outside("create unique index concurrently i on t (a)"));
  EXPECT_TRUE(outside("DROP INDEX CONCURRENTLY IF EXISTS i"));
  EXPECT_TRUE(outside("REINDEX INDEX CONCURRENTLY i"));
  EXPECT_TRUE(outside("REINDEX (VERBOSE) TABLE CONCURRENTLY t"));
  EXPECT_TRUE(outside("REINDEX DATABASE tenantry"));
  EXPECT_TRUE(outside("VACUUM (ANALYZE) tasks"));
  EXPECT_TRUE(outside("-- why\nVACUUM tasks"));
  EXPECT_TRUE(outside("ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY"));
  EXPECT_FALSE(outside("CREATE INDEX i ON t (a)"));
  EXPECT_FALSE(outside("DROP INDEX i"));
  EXPECT_FALSE(outside("REINDEX INDEX i"));
  EXPECT_FALSE(outside("SELECT 'CREATE INDEX CONCURRENTLY'"));
  EXPECT_FALSE(outside("COMMENT ON TABLE t IS 'vacuum'"));
  EXPECT_FALSE(outside("/* VACUUM */ SELECT 1"));
  EXPECT_FALSE(outside("REFRESH MATERIALIZED VIEW CONCURRENTLY v"));
}

// --- A realistic clean migration ---------------------------------------------------------------

TEST(LintMigration, RealisticExpandMigrationIsClean) {
  expect_clean(lint_migration(migration("0003_expand_comments.sql", R"sql(
-- Task comments: tenant-owned, under Row-Level Security like every tenant table.
SET lock_timeout = '5s';
SET statement_timeout = '1min';

CREATE TABLE task_comments (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  task_id uuid NOT NULL,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT task_comments_task FOREIGN KEY (tenant_id, task_id) REFERENCES tasks (tenant_id, id),
  CHECK (body IS NOT NULL)
);
CREATE INDEX task_comments_task ON task_comments (tenant_id, task_id);
CREATE UNIQUE INDEX task_comments_id ON public.task_comments (tenant_id, id);
ALTER TABLE task_comments ADD COLUMN edited_at timestamptz;
ALTER TABLE task_comments ADD COLUMN edits integer NOT NULL DEFAULT 0;
ALTER TABLE task_comments ADD CONSTRAINT edits_positive CHECK (edits >= 0);

ALTER TABLE task_comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_comments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON task_comments
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tenantry_app') THEN
    RAISE NOTICE 'no application role; DROP TABLE nothing; ALTER TABLE x RENAME TO y;';
  END IF;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON task_comments TO tenantry_app;
ALTER TABLE tasks ADD COLUMN due_date date;
ALTER TABLE tasks ALTER COLUMN status SET DEFAULT 'open', ALTER COLUMN title DROP NOT NULL;
COMMENT ON COLUMN tasks.due_date IS 'DROP TABLE tasks; -- not SQL';
)sql")));
}

// --- Expand rules ------------------------------------------------------------------------------

TEST(LintMigration, NoDropInExpand) {
  expect_only(lint_expand("SET lock_timeout = '5s';\nDROP TABLE old_things;"), "no-drop-in-expand",
              2);
  expect_only(lint_expand("SET lock_timeout = '5s';\n\nALTER TABLE tasks DROP COLUMN notes;"),
              "no-drop-in-expand", 3);
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks ADD COLUMN a int,\n"
                          "  DROP notes;"),
              "no-drop-in-expand", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\nDROP INDEX IF EXISTS tasks_by_title;"),
              "no-drop-in-expand", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\nDROP VIEW task_summary;"), "no-drop-in-expand",
              2);
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks DROP CONSTRAINT t_chk;"),
              "no-drop-in-expand", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks ALTER status DROP DEFAULT;"),
              "no-drop-in-expand", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TYPE address DROP ATTRIBUTE zip;"),
              "no-drop-in-expand", 2);
  // Passing: the word in a string, a comment or an identifier, and relaxing NOT NULL.
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "-- DROP TABLE tasks;\n"
                  "COMMENT ON TABLE tasks IS 'we never DROP TABLE tasks';\n"
                  "ALTER TABLE tasks ADD COLUMN \"drop\" text;\n"
                  "ALTER TABLE tasks ALTER COLUMN title DROP NOT NULL;"));
}

TEST(LintMigration, NoRename) {
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks RENAME TO todos;"),
              "no-rename", 2);
  expect_only(
      lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks\n  RENAME COLUMN title TO name;"),
      "no-rename", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER INDEX tasks_a RENAME TO tasks_b;"),
              "no-rename", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks SET SCHEMA archive;"),
              "no-rename", 2);
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "ALTER TABLE tasks ADD COLUMN name text;\n"
                  "COMMENT ON COLUMN tasks.name IS 'replaces title; RENAME later';"));
}

TEST(LintMigration, NoColumnTypeChange) {
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks ALTER COLUMN title TYPE "
                          "varchar(100);"),
              "no-column-type-change", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\n\nALTER TABLE tasks ALTER title SET DATA "
                          "TYPE varchar(100) USING title::varchar;"),
              "no-column-type-change", 3);
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "ALTER TABLE tasks ADD COLUMN title_v2 varchar(100);\n"
                  "ALTER TABLE tasks ALTER COLUMN title SET STATISTICS 500;"));
}

TEST(LintMigration, SetNotNullNeedsValidatedCheck) {
  expect_only(lint_expand("SET lock_timeout = '5s';\nALTER TABLE tasks ALTER COLUMN due_date SET "
                          "NOT NULL;"),
              "set-not-null-needs-validated-check", 2);
  // A VALIDATE for another table does not count, nor one after the SET NOT NULL.
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "ALTER TABLE projects VALIDATE CONSTRAINT projects_name_nn;\n"
                          "ALTER TABLE tasks ALTER COLUMN due_date SET NOT NULL;\n"
                          "ALTER TABLE tasks VALIDATE CONSTRAINT tasks_due_date_nn;"),
              "set-not-null-needs-validated-check", 3);
  // The pattern: CHECK ... NOT VALID in an earlier migration; VALIDATE, then SET NOT NULL here.
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "ALTER TABLE tasks VALIDATE CONSTRAINT tasks_due_date_nn;\n"
                  "ALTER TABLE tasks ALTER COLUMN due_date SET NOT NULL;"));
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "CREATE TABLE labels (id uuid PRIMARY KEY, name text);\n"
                  "ALTER TABLE labels ALTER COLUMN name SET NOT NULL;"));
  // A lock rule: it holds in contract migrations too.
  expect_only(lint_contract("SET lock_timeout = '5s';\nALTER TABLE tasks ALTER due_date SET NOT "
                            "NULL;"),
              "set-not-null-needs-validated-check", 2);
}

TEST(LintMigration, AddColumnNotNullNeedsDefault) {
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "ALTER TABLE tasks ADD COLUMN priority integer NOT NULL;"),
              "add-column-not-null-needs-default", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "ALTER TABLE tasks\n"
                          "  ADD COLUMN a integer,\n"
                          "  ADD b text NOT NULL CHECK (b <> '');"),
              "add-column-not-null-needs-default", 2);
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "ALTER TABLE tasks ADD COLUMN priority integer NOT NULL DEFAULT 0;\n"
                  "ALTER TABLE tasks ADD COLUMN seq bigint NOT NULL GENERATED ALWAYS AS IDENTITY;\n"
                  "ALTER TABLE tasks ADD COLUMN note text CHECK (note IS NOT NULL OR true);\n"
                  "CREATE TABLE labels (id uuid PRIMARY KEY);\n"
                  "ALTER TABLE labels ADD COLUMN name text NOT NULL;"));
}

TEST(LintMigration, CreateIndexConcurrently) {
  expect_only(lint_expand("SET lock_timeout = '5s';\nCREATE INDEX tasks_due ON tasks (due_date);"),
              "create-index-concurrently", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "CREATE TABLE labels (id uuid PRIMARY KEY);\n"
                          "CREATE UNIQUE INDEX IF NOT EXISTS tasks_title ON ONLY public.tasks "
                          "(title);"),
              "create-index-concurrently", 3);
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "ALTER TABLE tasks ADD CONSTRAINT tasks_title UNIQUE (title);"),
              "create-index-concurrently", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "ALTER TABLE tasks ADD COLUMN code text UNIQUE;"),
              "create-index-concurrently", 2);
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "CREATE TABLE labels (id uuid PRIMARY KEY, name text);\n"
                  "CREATE INDEX labels_name ON labels (name);\n"
                  "ALTER TABLE tasks ADD CONSTRAINT tasks_title UNIQUE USING INDEX "
                  "tasks_title_idx;"));
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_due ON tasks "
                  "(due_date);"));
}

TEST(LintMigration, ConstraintNotValid) {
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "ALTER TABLE tasks ADD CONSTRAINT tasks_owner FOREIGN KEY (tenant_id, "
                          "owner_id) REFERENCES users (tenant_id, id);"),
              "constraint-not-valid", 2);
  expect_only(lint_expand("SET lock_timeout = '5s';\n\n"
                          "ALTER TABLE tasks ADD CHECK (due_date IS NOT NULL);"),
              "constraint-not-valid", 3);
  // Validating in the file that added it NOT VALID holds the ADD's lock through the scan.
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "ALTER TABLE tasks ADD CONSTRAINT due_nn CHECK (due_date IS NOT NULL) "
                          "NOT VALID;\n"
                          "ALTER TABLE tasks VALIDATE CONSTRAINT due_nn;"),
              "constraint-not-valid", 3);
  expect_clean(lint_expand(
      "SET lock_timeout = '5s';\n"
      "ALTER TABLE tasks ADD CONSTRAINT tasks_owner FOREIGN KEY (tenant_id, owner_id)\n"
      "  REFERENCES users (tenant_id, id) NOT VALID;\n"
      "ALTER TABLE tasks ADD CONSTRAINT due_nn CHECK (due_date IS NOT NULL) NOT VALID;\n"
      "CREATE TABLE labels (id uuid PRIMARY KEY, n int CHECK (n > 0));\n"
      "ALTER TABLE labels ADD CHECK (n < 100);"));
}

TEST(LintMigration, LockTimeoutRequired) {
  expect_only(lint_expand("-- no timeout\n\nCREATE TABLE labels (id uuid PRIMARY KEY);"),
              "lock-timeout-required", 3);
  expect_only(lint_expand("SELECT 1;\nGRANT SELECT ON tasks TO tenantry_app;\nSET lock_timeout = "
                          "'5s';"),
              "lock-timeout-required", 2);
  expect_only(lint_expand("SET lock_timeout = 0;\nCREATE TABLE labels (id uuid PRIMARY KEY);"),
              "lock-timeout-required", 2);
  expect_only(lint_contract("SET statement_timeout = '1min';\nDROP TABLE x;\n"
                            "-- drops: x (unused since 0004)"),
              "lock-timeout-required", 2);
  expect_clean(lint_expand("SET LOCAL lock_timeout TO '2s';\nCREATE TABLE labels (id uuid);"));
  expect_clean(lint_expand("set session LOCK_TIMEOUT = 5000;\nCREATE TABLE labels (id uuid);"));
  expect_clean(lint_expand("UPDATE tasks SET status = 'open' WHERE status IS NULL;"));
  // 0 in any unit turns the timeout off; a statement kind nobody listed counts as DDL.
  expect_only(lint_expand("SET lock_timeout = '0min';\nCREATE TABLE labels (id uuid);"),
              "lock-timeout-required", 2);
  expect_only(lint_expand("SELECT 1;\nANALYZE tasks;"), "lock-timeout-required", 2);
}

TEST(LintMigration, ConcurrentlyAlone) {
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_due ON tasks (due_date);\n"
                          "ALTER TABLE tasks ADD COLUMN x int;"),
              "concurrently-alone", 3);
  expect_only(lint_expand("SET lock_timeout = '5s';\n"
                          "CREATE INDEX CONCURRENTLY tasks_due ON tasks (due_date);"),
              "concurrently-alone", 2);
  expect_only(lint_contract("SET lock_timeout = '5s';\n"
                            "-- drops: tasks_due (unused since 0004)\n"
                            "DROP INDEX CONCURRENTLY tasks_due;"),
              "concurrently-alone", 3);
  // SET LOCAL lasts one statement outside a transaction: it does not count there.
  expect_only(lint_expand("SET LOCAL lock_timeout = '5s';\n"
                          "CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_due ON tasks (due_date);"),
              "lock-timeout-required", 2);
  expect_clean(lint_expand(
      "SET lock_timeout = '5s';\n"
      "SET statement_timeout = 0;\n"
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_due ON tasks (due_date);\n"
      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS tasks_title ON tasks (tenant_id, title);\n"
      "RESET statement_timeout;"));
  expect_clean(
      lint_contract("SET lock_timeout = '5s';\n"
                    "-- drops: tasks_due (unused since 0004)\n"
                    "DROP INDEX CONCURRENTLY IF EXISTS tasks_due;"));
}

TEST(LintMigration, NoTransactionControl) {
  expect_only(lint_expand("START TRANSACTION;\nSET lock_timeout = '5s';"), "no-transaction-control",
              1);
  auto findings =
      lint_expand("SET lock_timeout = '5s';\nBEGIN;\nCREATE TABLE t (id int);\nCOMMIT;");
  ASSERT_EQ(findings.size(), 2u) << describe(findings);
  EXPECT_EQ(findings[0].line, 2);
  EXPECT_EQ(findings[1].line, 4);
  EXPECT_EQ(findings[1].rule, "no-transaction-control");
  expect_clean(lint_expand("SET lock_timeout = '5s';\nDO $$ BEGIN PERFORM 1; END $$;"));
  // The END of a SQL-standard function body ends the body, not a transaction.
  expect_clean(
      lint_expand("SET lock_timeout = '5s';\n"
                  "CREATE FUNCTION one() RETURNS int LANGUAGE sql\n"
                  "BEGIN ATOMIC\n  SELECT 1;\nEND;"));
}

// --- Contract rules ----------------------------------------------------------------------------

TEST(LintMigration, ContractAllowsDropRenameAndTypeChangeWhenDeclared) {
  expect_clean(
      lint_contract("-- Removes what release 0007 stopped using.\n"
                    "-- drops: tasks.legacy_notes (unused since 0007)\n"
                    "-- drops: old_table (unused since 0005)\n"
                    "-- drops: tasks.tasks_old_check (unused since 0008)\n"
                    "-- drops: tasks.tenant_isolation_v1 (unused since 0006)\n"
                    "SET lock_timeout = '5s';\n"
                    "ALTER TABLE tasks DROP COLUMN legacy_notes;\n"
                    "DROP TABLE IF EXISTS public.old_table CASCADE;\n"
                    "ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_old_check;\n"
                    "DROP POLICY tenant_isolation_v1 ON tasks;\n"
                    "ALTER TABLE tasks RENAME COLUMN title_v2 TO title;\n"
                    "ALTER TABLE tasks ALTER COLUMN title TYPE text;"));
}

TEST(LintMigration, ContractDropUndeclared) {
  expect_only(lint_contract("SET lock_timeout = '5s';\n"
                            "ALTER TABLE tasks DROP COLUMN legacy_notes;"),
              "contract-drop-undeclared", 2);
  // Declared for another object.
  expect_only(lint_contract("-- drops: tasks.other (unused since 0007)\n"
                            "SET lock_timeout = '5s';\n"
                            "ALTER TABLE tasks DROP legacy_notes;"),
              "contract-drop-undeclared", 3);
  // Unused since this very migration (or later): not something an earlier release stopped using.
  expect_only(lint_contract("-- drops: old_table (unused since 0009)\n"
                            "SET lock_timeout = '5s';\n"
                            "DROP TABLE old_table;"),
              "contract-drop-undeclared", 3);
  // Each object of a multi-object DROP needs its own declaration.
  expect_only(lint_contract("-- drops: a (unused since 0003)\n"
                            "SET lock_timeout = '5s';\n"
                            "DROP TABLE a, b;"),
              "contract-drop-undeclared", 3);
  // A malformed declaration is reported on its own line.
  auto findings = lint_contract(
      "-- drops: old_table since 0003\n"
      "SET lock_timeout = '5s';\n"
      "DROP TABLE old_table;");
  ASSERT_EQ(findings.size(), 2u) << describe(findings);
  EXPECT_EQ(findings[0].rule, "contract-drop-undeclared");
  EXPECT_EQ(findings[0].line, 1);
  EXPECT_EQ(findings[1].rule, "contract-drop-undeclared");
  EXPECT_EQ(findings[1].line, 3);
  // DROP ROLE / OWNED BY name the roles they drop.
  expect_only(lint_contract("-- drops: old_role (unused since 0003)\n"
                            "SET lock_timeout = '5s';\n"
                            "DROP OWNED BY old_role;\n"
                            "DROP ROLE old_role, other_role;"),
              "contract-drop-undeclared", 4);
  // A declaration inside a string is not one.
  expect_only(lint_contract("SET lock_timeout = '5s';\n"
                            "SELECT '\n-- drops: old_table (unused since 0003)\n';\n"
                            "DROP TABLE old_table;"),
              "contract-drop-undeclared", 5);
}

// --- SQL that does not parse -------------------------------------------------------------------

TEST(LintMigration, SqlThatDoesNotParseIsOneFindingWithTheParsersMessageAndPlace) {
  auto findings = lint_expand(
      "SET lock_timeout = '5s';\n"
      "DROP TABLE old_things;\n"
      "-- the next statement is missing its table name\n"
      "CREATE INDEX i ON (a);\n");
  expect_only(findings, "syntax-error", 4);
  EXPECT_EQ(to_string(findings[0])
                .rfind("0005_expand_change.sql:4: syntax-error: syntax error "
                       "at or near \"(\" (column 19)",
                       0),
            0u)
      << describe(findings);
  // An unterminated string, and a column counted in characters, not bytes.
  findings = lint_expand("SET lock_timeout = '5s';\nCOMMENT ON TABLE t IS 'ünterminated;\n");
  expect_only(findings, "syntax-error", 2);
  EXPECT_NE(findings[0].message.find("unterminated quoted string"), std::string::npos)
      << describe(findings);
  EXPECT_NE(findings[0].message.find("(column 23)"), std::string::npos) << describe(findings);
  findings = lint_expand("SET lock_timeout = 'é';\nSELECT ü FROM;");
  expect_only(findings, "syntax-error", 2);
  EXPECT_NE(findings[0].message.find("(column 14)"), std::string::npos) << describe(findings);
  // libpg_query reads a C string: a NUL is reported, not silently cut off.
  findings = lint_expand("SET lock_timeout = '5s';\nDROP TABLE x;\0\nDROP TABLE y;"s);
  expect_only(findings, "syntax-error", 2);
  EXPECT_NE(findings[0].message.find("NUL"), std::string::npos) << describe(findings);
}

TEST(LintMigration, FindingsNameTheFile) {
  auto findings = lint_migration(migration("0042_expand_x.sql", "DROP TABLE t;"));
  ASSERT_EQ(findings.size(), 2u) << describe(findings);
  EXPECT_TRUE(to_string(findings[0]).starts_with("0042_expand_x.sql:1: ")) << describe(findings);
  EXPECT_TRUE(to_string(findings[1]).starts_with("0042_expand_x.sql:1: ")) << describe(findings);
}

}  // namespace
}  // namespace tenantry::db
