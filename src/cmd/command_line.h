// The command-line conventions of tenantryctl and tenantry-migrate, on
// CLI11: help generated from one declaration of subcommands and options,
// bad usage one line naming the culprit and exit 2, and the environment's
// settings checked like every binary's.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>

#include "platform/base/config.h"

namespace tenantry::cmd {

// The settings in --help, after the commands.
inline void describe_settings(CLI::App& app, const base::Declarations& declarations) {
  app.footer("Environment [default]:\n" + base::settings_help(declarations) +
             "\nExit status: 0 on success, 1 when the operation fails, 2 on bad usage.");
}

// Parses the command line and checks the environment's variables: nullopt
// to go on, else the exit code (0 after --help).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv,
                                             const base::EnvReader& env) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "%s: %s (see --help)\n", app.get_name().c_str(), e.what());
    return 2;
  }
  try {
    if (!base::check_environment(app.get_name(), env, base::environment_names())) return 2;
  } catch (const base::ConfigError& e) {
    std::fprintf(stderr, "%s: %s\n", app.get_name().c_str(), e.what());
    return 2;
  }
  return std::nullopt;
}

}  // namespace tenantry::cmd
