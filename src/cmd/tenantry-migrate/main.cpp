// tenantry-migrate: applies and checks the versioned schema migrations.
#include <cstdio>
#include <iostream>
#include <string>

#include "cmd/command_line.h"
#include "platform/db/migrator.h"
#include "platform/db/settings.h"

namespace {

using namespace tenantry;

int lint(const std::vector<db::MigrationFile>& files, const std::string& dir) {
  int findings = 0;
  for (const auto& file : files) {
    for (const auto& finding : db::lint_migration(file)) {
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

int run(const std::string& command, const std::string& url, std::vector<db::MigrationFile> files) {
  db::Migrator migrator(url, std::move(files),
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
}

}  // namespace

int main(int argc, char** argv) {
  base::EnvReader env(db::migrate_declarations());
  CLI::App app("Applies and checks Tenantry's versioned schema migrations.", "tenantry-migrate");
  std::string dir = "migrations";
  app.add_option("--dir", dir, "the migrations directory")->capture_default_str();
  app.require_subcommand(0, 1);  // none: the line below, not CLI11's
  app.add_subcommand("up",
                     "apply the pending migrations, in order, each exactly once (under a "
                     "PostgreSQL advisory lock: several processes may run it at once)");
  app.add_subcommand("status", "list every migration file and whether and when it was applied");
  app.add_subcommand("plan", "print what `up` would apply, without applying it");
  app.add_subcommand("lint",
                     "check every migration file against the rules for zero-downtime deploys "
                     "(offline; no database needed)");
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();  // --dir after the command too
  cmd::describe_settings(app, env.declarations());
  if (auto code = cmd::parse_command_line(app, argc, argv, env)) return *code;
  if (app.get_subcommands().empty()) {
    std::fprintf(stderr,
                 "tenantry-migrate: missing command: up, status, plan or lint (see --help)\n");
    return 2;
  }
  auto command = app.get_subcommands().front()->get_name();

  try {
    auto files = db::load_migrations(dir);
    if (command == "lint") return lint(files, dir);
    auto url = env.optional("MIGRATE_DATABASE_URL");
    if (!url) {
      std::fprintf(stderr, "tenantry-migrate: MIGRATE_DATABASE_URL: required but not set\n");
      return 1;
    }
    return run(command, *url, std::move(files));
  } catch (const db::MigrationError& e) {
    std::fprintf(stderr, "tenantry-migrate: %s\n", e.what());
    return 1;
  }
}
