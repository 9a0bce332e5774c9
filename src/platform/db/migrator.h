// Applying versioned migrations (migrations/NNNN_<expand|contract>_*.sql):
// exactly once each, in order, under an advisory lock, each in its own
// transaction unless it must run outside one, with a checksum that makes an
// edited, already-applied file an error.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "platform/db/migration_lint.h"

namespace tenantry::db {

// A failure that stops tenantry-migrate; the message names the file.
class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads every *.sql file of `dir`, sorted by version. Throws MigrationError
// for a badly named file or two files with the same version.
std::vector<MigrationFile> load_migrations(const std::filesystem::path& dir);

// SHA-256 of a migration's text, in hex.
std::string migration_checksum(std::string_view sql);

struct MigrationState {
  const MigrationFile* file;
  std::optional<std::string> applied_at;  // nullopt: pending
};

class Migrator {
 public:
  using Say = std::function<void(const std::string&)>;

  // `conninfo` must connect as the schema owner role.
  Migrator(std::string conninfo, std::vector<MigrationFile> files, Say say);
  ~Migrator();
  Migrator(const Migrator&) = delete;
  Migrator& operator=(const Migrator&) = delete;

  // Each file and whether it is applied; throws MigrationError if an applied
  // file was edited since.
  std::vector<MigrationState> status();
  // The files `up` would apply, in order.
  std::vector<const MigrationFile*> plan();
  // Applies what is pending; returns how many. Lint findings in a pending
  // file refuse the whole run before anything is applied.
  int up();

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
  std::vector<MigrationFile> files_;
  Say say_;
};

}  // namespace tenantry::db
