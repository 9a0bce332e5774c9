// The binaries' start-up checks of their environment, on the real binaries: a
// misspelt setting is named with the one meant, and strict mode stops the
// start.
#include <gtest/gtest.h>

#include "support/services.h"

namespace tenantry::testing {
namespace {

using namespace std::chrono_literals;

struct Run {
  int code;
  std::string output;
};

Run run_binary(const std::string& binary, std::map<std::string, std::string> env,
               std::vector<std::string> args = {}) {
  TempDir dir;
  std::vector<std::string> argv{(binary_dir() / "bin" / binary).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess process(argv, std::move(env), dir.path() / "out.log");
  auto code = process.wait(10s);
  return {code.value_or(-1), process.log()};
}

Run run_api(std::map<std::string, std::string> env, std::vector<std::string> args = {}) {
  return run_binary("tenantry-api", std::move(env), std::move(args));
}

TEST(EnvironmentCheck, AMisspeltSettingIsNamedWithTheClosestOneAndTheStartGoesOn) {
  // No DATABASE_URL: past the warning, the start stops at the first bad setting.
  auto run = run_api({{"TENANTRY_THRAEDS", "2"}});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("tenantry-api: warning: TENANTRY_THRAEDS is not a setting of "
                            "tenantry-api; did you mean TENANTRY_THREADS?"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("DATABASE_URL: required but not set"), std::string::npos) << run.output;
}

TEST(EnvironmentCheck, StrictModeStopsTheStartOnAnUnknownVariable) {
  auto run = run_api({{"TENANTRY_THRAEDS", "2"}, {"TENANTRY_STRICT_CONFIG", "1"}});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("TENANTRY_THRAEDS is not a setting of tenantry-api; did you mean "
                            "TENANTRY_THREADS?"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("TENANTRY_STRICT_CONFIG=1: refusing to start"), std::string::npos);
  EXPECT_EQ(run.output.find("DATABASE_URL"), std::string::npos) << run.output;
}

TEST(EnvironmentCheck, HelpListsEveryDeclaredSettingAndBadUsageExits2) {
  auto help = run_api({}, {"--help"});
  EXPECT_EQ(help.code, 0);
  for (auto name : {"TENANTRY_HTTP_PORT", "DATABASE_URL", "REDIS_QUEUE_URL", "TENANTRY_JWKS_FILE",
                    "TENANTRY_STRICT_CONFIG", "TENANTRY_CACHE_TTL_MS"}) {
    EXPECT_NE(help.output.find(std::string("  ") + name + " ["), std::string::npos) << name;
  }
  auto tsv = run_api({}, {"--settings"});
  EXPECT_EQ(tsv.code, 0);
  EXPECT_NE(tsv.output.find("TENANTRY_HTTP_PORT\tinteger\t8081\t"), std::string::npos);
  auto bad = run_api({}, {"--port"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.output.find("unknown argument '--port'"), std::string::npos) << bad.output;
}

TEST(EnvironmentCheck, TheCommandLineToolsCheckTheirEnvironmentTheSameWay) {
  auto ctl =
      run_binary("tenantryctl", {{"SYSTEM_DATABASE_URI", "x"}, {"TENANTRY_STRICT_CONFIG", "1"}},
                 {"plan", "list"});
  EXPECT_EQ(ctl.code, 2);
  EXPECT_NE(ctl.output.find("SYSTEM_DATABASE_URI is not a setting of tenantryctl; did you mean "
                            "SYSTEM_DATABASE_URL?"),
            std::string::npos)
      << ctl.output;
  auto migrate = run_binary("tenantry-migrate", {{"MIGRATE_DATABSE_URL", "x"}}, {"sideways"});
  EXPECT_EQ(migrate.code, 2);
  EXPECT_NE(migrate.output.find("tenantry-migrate: The following argument was not expected: "
                                "sideways (see --help)"),
            std::string::npos)
      << migrate.output;
  auto lint = run_binary("tenantry-migrate", {{"MIGRATE_DATABSE_URL", "x"}},
                         {"lint", "--dir", std::string(TENANTRY_SOURCE_DIR) + "/migrations"});
  EXPECT_EQ(lint.code, 0) << lint.output;
  EXPECT_NE(lint.output.find("warning: MIGRATE_DATABSE_URL is not a setting of tenantry-migrate; "
                             "did you mean MIGRATE_DATABASE_URL?"),
            std::string::npos)
      << lint.output;
}

}  // namespace
}  // namespace tenantry::testing
