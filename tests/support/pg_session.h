// A blocking libpq connection for tests that read or change the database
// directly, as any of its roles, and the catalog's list of the tables that
// hold tenants' data (so that a test covers a table added after it).
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <string>
#include <vector>

namespace tenantry::testing {

// What one statement did. A statement that PostgreSQL refused is an
// outcome too (ok false, with its SQLSTATE and message), never an exception.
struct SqlOutcome {
  bool ok = false;
  std::string sqlstate;  // "" when ok
  std::string message;   // PostgreSQL's error message when not ok
  std::vector<std::vector<std::optional<std::string>>> rows;  // NULL is nullopt
  long affected = 0;  // rows inserted, updated or deleted (PQcmdTuples)
};

class PgSession {
 public:
  // Throws std::runtime_error with libpq's message when it cannot connect.
  explicit PgSession(const std::string& url);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // One statement with text parameters ($1, $2, ...).
  SqlOutcome run(const std::string& sql, const std::vector<std::string>& params = {});
  // The first column of every row (NULL as ""); throws std::runtime_error
  // with PostgreSQL's message when the statement fails.
  std::vector<std::string> column(const std::string& sql,
                                  const std::vector<std::string>& params = {});
  // "" when the statement succeeds, else PostgreSQL's message.
  std::string error_of(const std::string& sql, const std::vector<std::string>& params = {});

 private:
  PGconn* conn_;
};

// A relation of schema public that holds tenants' data: every one with a
// tenant_id column, and tenants itself (whose own id is the tenant).
struct TenantTable {
  std::string name;           // as in pg_class
  std::string quoted;         // quote_ident(name), for building SQL
  std::string tenant_column;  // "tenant_id", or "id" for tenants
  char kind = 'r';            // pg_class.relkind: r, p (tables), v, m (views)
};

// Read from pg_catalog (tables, partitioned tables, views and materialized
// views), ordered by name. Visible to every role: the catalog is not
// filtered by Row-Level Security.
std::vector<TenantTable> tenant_tables(PgSession& session);

}  // namespace tenantry::testing
