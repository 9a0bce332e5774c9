// A blocking libpq connection for tests (see pg_session.h).
#include "support/pg_session.h"

#include <memory>
#include <stdexcept>

namespace tenantry::testing {

PgSession::PgSession(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("cannot connect: " + error);
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgSession::~PgSession() { PQfinish(conn_); }

SqlOutcome PgSession::run(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> res(
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                   nullptr, nullptr, 0),
      &PQclear);
  SqlOutcome out;
  auto status = PQresultStatus(res.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    out.sqlstate = state ? state : "";
    out.message = res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn_);
    return out;
  }
  out.ok = true;
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < PQnfields(res.get()); ++c) {
      if (PQgetisnull(res.get(), r, c))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(PQgetvalue(res.get(), r, c));
    }
    out.rows.push_back(std::move(row));
  }
  std::string affected = PQcmdTuples(res.get());
  out.affected = affected.empty() ? 0 : std::stol(affected);
  return out;
}

std::vector<std::string> PgSession::column(const std::string& sql,
                                           const std::vector<std::string>& params) {
  auto out = run(sql, params);
  if (!out.ok) throw std::runtime_error(out.message);
  std::vector<std::string> values;
  for (const auto& row : out.rows) values.push_back(row.empty() ? "" : row[0].value_or(""));
  return values;
}

std::string PgSession::error_of(const std::string& sql, const std::vector<std::string>& params) {
  auto out = run(sql, params);
  return out.ok ? "" : out.message;
}

std::vector<TenantTable> tenant_tables(PgSession& session) {
  auto out = session.run(
      "SELECT c.relname, quote_ident(c.relname), "
      "CASE WHEN c.relname = 'tenants' THEN 'id' ELSE 'tenant_id' END, c.relkind::text "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') "
      "AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = "
      "c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped)) "
      "ORDER BY c.relname");
  if (!out.ok) throw std::runtime_error("cannot list the tenant tables: " + out.message);
  std::vector<TenantTable> tables;
  for (const auto& row : out.rows)
    tables.push_back({*row[0], *row[1], *row[2], row[3]->empty() ? 'r' : (*row[3])[0]});
  return tables;
}

}  // namespace tenantry::testing
