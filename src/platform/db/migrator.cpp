// tenantry-migrate's engine, on blocking libpq (a command-line tool, never
// on the request path).
#include "platform/db/migrator.h"

#include "platform/base/file.h"
#include "platform/base/hex.h"

#include <libpq-fe.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <thread>

namespace tenantry::db {
namespace {

// Held for the whole run, so that replicas or jobs starting at once apply
// each migration exactly once: the others wait, then find nothing to do.
constexpr const char* kAdvisoryLockKey = "7262388541453580409";

// How long a waiting run pauses between two tries of the lock, at most.
constexpr std::chrono::milliseconds kLockPollCeiling{250};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The 1-based line of a 1-based character position in `sql`.
int line_of(std::string_view sql, long position) {
  int line = 1;
  for (long i = 0; i < position - 1 && i < static_cast<long>(sql.size()); ++i) {
    if (sql[i] == '\n') ++line;
  }
  return line;
}

}  // namespace

struct Migrator::Connection {
  PGconn* conn = nullptr;
  ~Connection() { PQfinish(conn); }

  // Runs `sql` (one or more statements) with optional parameters; throws
  // MigrationError prefixed by `context` on failure.
  Result exec(const std::string& sql, const std::vector<std::string>& params = {},
              const std::string& context = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    Result result(params.empty() ? PQexec(conn, sql.c_str())
                                 : PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()),
                                                nullptr, values.data(), nullptr, nullptr, 0));
    auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string message = trimmed(PQresultErrorMessage(result.get()));
      if (message.empty()) message = trimmed(PQerrorMessage(conn));
      throw MigrationError(context.empty() ? message : context + ": " + message);
    }
    return result;
  }
};

std::vector<MigrationFile> load_migrations(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw MigrationError(dir.string() + ": not a directory of migrations");
  }
  std::vector<MigrationFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sql") continue;
    auto text = base::read_file(entry.path());
    if (!text) throw MigrationError(entry.path().string() + ": cannot read");
    std::string error;
    auto file = parse_migration_name(entry.path().filename().string(), std::move(*text), error);
    if (!file) throw MigrationError(error);
    files.push_back(std::move(*file));
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < files.size(); ++i) {
    if (files[i].version == files[i - 1].version) {
      throw MigrationError(files[i].name + ": same version as " + files[i - 1].name);
    }
  }
  return files;
}

std::string migration_checksum(std::string_view sql) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(sql.data(), sql.size(), digest, &length, EVP_sha256(), nullptr);
  return base::hex({digest, length});
}

Migrator::Migrator(std::string conninfo, std::vector<MigrationFile> files, Say say)
    : connection_(std::make_unique<Connection>()), files_(std::move(files)), say_(std::move(say)) {
  connection_->conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(connection_->conn) != CONNECTION_OK) {
    throw MigrationError("cannot connect to PostgreSQL: " +
                         trimmed(PQerrorMessage(connection_->conn)));
  }
  PQsetNoticeProcessor(
      connection_->conn, [](void*, const char*) {}, nullptr);
  // Polled, never waited for inside a statement: a run blocked in
  // pg_advisory_lock holds a snapshot, and CREATE INDEX CONCURRENTLY in the
  // run that holds the lock waits for every such snapshot to end: a deadlock.
  auto pause = std::chrono::milliseconds{5};
  while (std::string_view(PQgetvalue(
             connection_
                 ->exec("SELECT pg_try_advisory_lock(" + std::string(kAdvisoryLockKey) + ")", {},
                        "advisory lock")
                 .get(),
             0, 0)) != "t") {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kLockPollCeiling);
  }
  connection_->exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL, phase text NOT NULL,"
      " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
      {}, "schema_migrations");
}

Migrator::~Migrator() = default;

std::vector<MigrationState> Migrator::status() {
  auto applied = connection_->exec(
      "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations ORDER BY version");
  std::map<int, std::pair<std::string, std::string>> by_version;  // checksum, applied_at
  std::map<int, std::string> names;
  for (int row = 0; row < PQntuples(applied.get()); ++row) {
    int version = std::stoi(PQgetvalue(applied.get(), row, 0));
    names[version] = PQgetvalue(applied.get(), row, 1);
    by_version[version] = {PQgetvalue(applied.get(), row, 2), PQgetvalue(applied.get(), row, 3)};
  }
  std::vector<MigrationState> states;
  std::set<int> known;
  for (const auto& file : files_) {
    known.insert(file.version);
    auto it = by_version.find(file.version);
    if (it == by_version.end()) {
      states.push_back({&file, std::nullopt});
      continue;
    }
    if (it->second.first != migration_checksum(file.sql)) {
      throw MigrationError(file.name +
                           ": edited after it was applied (checksum differs); write a new "
                           "migration instead");
    }
    states.push_back({&file, it->second.second});
  }
  for (const auto& [version, name] : names) {
    // A newer release applied it; this one must still work with it (expand first).
    if (!known.count(version)) say_("note: applied migration " + name + " has no file here");
  }
  return states;
}

std::vector<const MigrationFile*> Migrator::plan() {
  std::vector<const MigrationFile*> pending;
  for (const auto& state : status()) {
    if (!state.applied_at) pending.push_back(state.file);
  }
  return pending;
}

int Migrator::up() {
  auto pending = plan();
  std::vector<std::string> findings;
  for (const auto* file : pending) {
    for (const auto& finding : lint_migration(*file)) findings.push_back(to_string(finding));
  }
  if (!findings.empty()) {
    std::string message = "refusing to apply migrations with lint findings:";
    for (const auto& f : findings) message += "\n  " + f;
    throw MigrationError(message);
  }
  auto& db = *connection_;
  db.exec("SET statement_timeout = '10min'");
  db.exec("SET lock_timeout = '5s'");  // each migration sets its own too (lint)
  const std::string record =
      "INSERT INTO schema_migrations (version, name, phase, checksum) VALUES ($1, $2, $3, $4)";
  for (const auto* file : pending) {
    std::vector<std::string> params = {
        std::to_string(file->version), file->name,
        file->phase == MigrationPhase::kExpand ? "expand" : "contract",
        migration_checksum(file->sql)};
    auto statements = split_statements(file->sql);
    bool outside = std::any_of(statements.begin(), statements.end(),
                               [](const auto& s) { return must_run_outside_transaction(s); });
    if (outside) {
      // CREATE INDEX CONCURRENTLY and friends cannot run in a transaction:
      // one statement at a time; lint requires IF NOT EXISTS, so a rerun
      // after a failure is safe.
      for (const auto& statement : statements) {
        try {
          db.exec(statement.text);
        } catch (const MigrationError& e) {
          throw MigrationError(file->name + ":" + std::to_string(statement.line) + ": " + e.what() +
                               " (a failed CREATE INDEX CONCURRENTLY leaves an INVALID index: "
                               "DROP INDEX CONCURRENTLY it, then rerun)");
        }
      }
      db.exec(record, params, file->name);
    } else {
      db.exec("BEGIN");
      Result result(PQexec(db.conn, file->sql.c_str()));
      if (PQresultStatus(result.get()) != PGRES_COMMAND_OK &&
          PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
        std::string message = trimmed(PQresultErrorMessage(result.get()));
        const char* position = PQresultErrorField(result.get(), PG_DIAG_STATEMENT_POSITION);
        std::string where = file->name;
        if (position) where += ":" + std::to_string(line_of(file->sql, std::atol(position)));
        db.exec("ROLLBACK");
        throw MigrationError(where + ": " + message + " (rolled back; nothing of it applied)");
      }
      db.exec(record, params, file->name);
      db.exec("COMMIT", {}, file->name);
    }
    say_("applied " + file->name);
  }
  return static_cast<int>(pending.size());
}

}  // namespace tenantry::db
