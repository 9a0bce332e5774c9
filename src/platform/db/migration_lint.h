// Reading migration files (name, phase, statements) and `tenantry-migrate lint`: the rules that
// keep a migration from breaking replicas of the previous release or locking tables under load.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenantry::db {

enum class MigrationPhase { kExpand, kContract };

// One SQL statement of a migration file, with the 1-based line where it starts.
struct SqlStatement {
  // From the statement's first token to its last one, without the ';'. Comments before the
  // first token (between statements) are left out; comments inside the statement are kept, so
  // the text can be sent to PostgreSQL as written.
  std::string text;
  int line = 0;  // the line of the statement's first token, not of a comment above it
};

// Splits SQL into statements where PostgreSQL's own parser (libpg_query, sql_parser.h) ends
// them: not on a ';' in a string, quoted identifier, dollar-quoted body, comment, or
// BEGIN ATOMIC ... END function body. Empty statements (";;", comments only) are dropped; a
// last statement without ';' is kept. SQL the parser rejects comes back whole, as one statement
// on line 1, so that running it makes PostgreSQL report the error where it is (lint_migration
// reports it first).
std::vector<SqlStatement> split_statements(std::string_view sql);

struct MigrationFile {
  std::string name;  // file name, e.g. "0002_expand_add_task_due_date.sql"
  int version = 0;   // 2
  MigrationPhase phase = MigrationPhase::kExpand;
  std::string sql;
};

// Parses a file name of the form NNNN_<expand|contract>_<words>.sql (NNNN: 4 digits, > 0;
// words: [a-z0-9_]+). nullopt with `error` set (naming the file and what is wrong) when it
// does not match.
std::optional<MigrationFile> parse_migration_name(std::string_view file_name, std::string sql,
                                                  std::string& error);

struct LintFinding {
  std::string file;
  int line = 0;
  std::string rule;     // short kebab-case id, e.g. "no-drop-in-expand"
  std::string message;  // one sentence saying what is wrong and what to do instead
};

// "<file>:<line>: <rule>: <message>"
std::string to_string(const LintFinding& finding);

// Lints one migration and returns every finding, ordered by line (empty = clean). The rules
// are checks on the parse trees of PostgreSQL's own parser, so strings, quoted identifiers,
// dollar-quoted bodies and comments never match a rule; the other side of that: what runs
// inside a DO block or a function body (plpgsql, EXECUTE strings) is not checked (see
// docs/migrations.md). A finding names the line of its statement's first token. A table
// "created in this file" is one a CREATE TABLE [AS] earlier in the same file created (new and
// empty: no replica uses it, no lock matters). Table names compare case-insensitively, and a
// name without a schema matches the same name with one.
//
// Every phase, and alone when it applies:
//   syntax-error           the file does not parse: the parser's message, on the line and column
//                          where it stopped; no other rule is checked.
// Expand migrations only (what contract migrations are for):
//   no-drop-in-expand      DROP <anything>; ALTER TABLE ... DROP [COLUMN] / DROP CONSTRAINT
//                          (ALTER TYPE ... DROP ATTRIBUTE too); ALTER COLUMN ... DROP DEFAULT /
//                          DROP IDENTITY / DROP EXPRESSION.
//                          (DROP NOT NULL is allowed: relaxing a column is an expand step.)
//   no-rename              ALTER ... RENAME (tables, columns, constraints, indexes, any object)
//                          and ALTER ... SET SCHEMA, which renames as far as queries go.
//   no-column-type-change  ALTER TABLE ... ALTER [COLUMN] c TYPE / SET DATA TYPE.
//   add-column-not-null-needs-default
//                          ALTER TABLE t ADD [COLUMN] c ... NOT NULL with neither DEFAULT nor
//                          GENERATED, t not created in this file.
// Both phases (they are about locks, which hurt in a contract migration just as much):
//   set-not-null-needs-validated-check
//                          ALTER TABLE t ALTER [COLUMN] c SET NOT NULL, unless t was created in
//                          this file or an ALTER TABLE t ... VALIDATE CONSTRAINT comes earlier in
//                          this file (the pattern: migration A adds CHECK (c IS NOT NULL) NOT
//                          VALID; a later migration B validates it, then sets NOT NULL, which
//                          PostgreSQL proves from the validated check without a scan).
//   create-index-concurrently
//                          CREATE [UNIQUE] INDEX without CONCURRENTLY on a table not created in
//                          this file; also ALTER TABLE ... ADD PRIMARY KEY / UNIQUE / EXCLUDE
//                          on such a table unless it is USING INDEX (build the index
//                          concurrently first), and ADD COLUMN ... PRIMARY KEY / UNIQUE.
//   constraint-not-valid   ALTER TABLE t ADD [CONSTRAINT x] FOREIGN KEY / CHECK without NOT
//                          VALID, t not created in this file (inline in CREATE TABLE is fine);
//                          and VALIDATE CONSTRAINT x in the same file that added x NOT VALID
//                          (one transaction: the ADD's lock is held through the validation).
//   lock-timeout-required  no SET [SESSION|LOCAL] lock_timeout (to anything but DEFAULT or 0 in
//                          any unit) before the first DDL statement: any statement but a query
//                          or DML (SELECT, INSERT, UPDATE, DELETE, MERGE, COPY, CALL, EXPLAIN),
//                          SET / RESET / SHOW, transaction control and session housekeeping
//                          (PREPARE, EXECUTE, LISTEN, NOTIFY, DISCARD, cursors ...); so CREATE,
//                          ALTER, DROP, GRANT, COMMENT, DO, ANALYZE and any kind not listed.
//                          In a migration run outside a transaction, SET LOCAL does not count
//                          (it would not last beyond its own statement).
//   concurrently-alone     in a migration with a statement that must_run_outside_transaction,
//                          any statement that is neither such a statement nor SET / RESET; each
//                          CREATE INDEX CONCURRENTLY without IF NOT EXISTS and each DROP INDEX
//                          CONCURRENTLY without IF EXISTS (a rerun after a failure must work).
//   no-transaction-control BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT /
//                          SAVEPOINT / RELEASE: the runner owns the transaction.
// Contract migrations only:
//   contract-drop-undeclared
//                          a dropped object (DROP <kind> x -> "x"; DROP TRIGGER/POLICY/RULE x ON t
//                          -> "t.x"; ALTER TABLE t DROP [COLUMN] c / DROP CONSTRAINT c -> "t.c";
//                          DROP ROLE / OWNED BY r -> "r"; DROP FUNCTION f(int) -> "f")
//                          that no line comment `-- drops: <object> (unused since NNNN)` of the
//                          file (conventionally its header) names with NNNN lower than this
//                          migration's version; also a malformed `-- drops:` line.
std::vector<LintFinding> lint_migration(const MigrationFile& file);

// Does this statement have to run outside a transaction block? CREATE / DROP INDEX
// CONCURRENTLY, REINDEX ... CONCURRENTLY, REINDEX SCHEMA / DATABASE / SYSTEM, VACUUM,
// CREATE / DROP DATABASE, CREATE / DROP TABLESPACE, ALTER SYSTEM, ALTER TABLE ... DETACH
// PARTITION ... CONCURRENTLY.
bool must_run_outside_transaction(const SqlStatement& statement);

}  // namespace tenantry::db
