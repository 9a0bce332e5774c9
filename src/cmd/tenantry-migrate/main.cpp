// tenantry-migrate: applies and checks the versioned schema migrations.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "platform/db/migrator.h"

namespace {

constexpr const char* kHelp = R"(Usage: tenantry-migrate <command> [--dir DIR]

Commands:
  up       apply the pending migrations, in order, each exactly once (under a
           PostgreSQL advisory lock: several processes may run it at once)
  status   list every migration file and whether and when it was applied
  plan     print what `up` would apply, without applying it
  lint     check every migration file against the rules for zero-downtime
           deploys (offline; no database needed)

Options:
  --dir DIR  the migrations directory (default: migrations)

Environment:
  MIGRATE_DATABASE_URL  libpq URI of the database, connecting as the schema
                        owner role (not the application role); required by
                        up, status and plan

Exit status: 0 success, 1 failure (one line naming the file), 2 bad usage.
)";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "tenantry-migrate: %s (see --help)\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tenantry::db;
  std::string command;
  std::string dir = "migrations";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (arg == "--dir") {
      if (i + 1 >= argc) return usage_error("--dir needs a directory");
      dir = argv[++i];
    } else if (command.empty() && !arg.starts_with("-")) {
      command = arg;
    } else {
      return usage_error("unexpected argument '" + std::string(arg) + "'");
    }
  }
  if (command != "up" && command != "status" && command != "plan" && command != "lint") {
    return usage_error(command.empty() ? "missing command" : "unknown command '" + command + "'");
  }

  try {
    auto files = load_migrations(dir);
    if (command == "lint") {
      int findings = 0;
      for (const auto& file : files) {
        for (const auto& finding : lint_migration(file)) {
          std::cout << to_string(finding) << "\n";
          ++findings;
        }
      }
      if (findings > 0) {
        std::fprintf(stderr, "tenantry-migrate: %d lint finding(s) in %s\n", findings, dir.c_str());
        return 1;
      }
      std::cout << files.size() << " migration(s) in " << dir << ", no findings\n";
      return 0;
    }

    const char* url = std::getenv("MIGRATE_DATABASE_URL");
    if (url == nullptr || *url == '\0') {
      std::fprintf(stderr, "tenantry-migrate: MIGRATE_DATABASE_URL: required but not set\n");
      return 1;
    }
    Migrator migrator(url, std::move(files),
                      [](const std::string& line) { std::cout << line << std::endl; });
    if (command == "status") {
      for (const auto& state : migrator.status()) {
        std::cout << state.file->name << "  "
                  << (state.applied_at ? "applied " + *state.applied_at : std::string("pending"))
                  << "\n";
      }
    } else if (command == "plan") {
      auto pending = migrator.plan();
      if (pending.empty()) std::cout << "nothing to apply\n";
      for (const auto* file : pending) std::cout << "would apply " << file->name << "\n";
    } else {
      int applied = migrator.up();
      std::cout << (applied == 0 ? "up to date"
                                 : "applied " + std::to_string(applied) + " migration(s)")
                << "\n";
    }
    return 0;
  } catch (const MigrationError& e) {
    std::fprintf(stderr, "tenantry-migrate: %s\n", e.what());
    return 1;
  }
}
