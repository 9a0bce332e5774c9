// tenantry-api's start-up checks of its environment, on the real binary: a
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

Run run_api(std::map<std::string, std::string> env, std::vector<std::string> args = {}) {
  TempDir dir;
  std::vector<std::string> argv{(binary_dir() / "bin/tenantry-api").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess process(argv, std::move(env), dir.path() / "out.log");
  auto code = process.wait(10s);
  return {code.value_or(-1), process.log()};
}

TEST(TenantryApiSettings, AMisspeltSettingIsNamedWithTheClosestOneAndTheStartGoesOn) {
  // No DATABASE_URL: past the warning, the start stops at the first bad setting.
  auto run = run_api({{"TENANTRY_THRAEDS", "2"}});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("tenantry-api: warning: TENANTRY_THRAEDS is not a setting of "
                            "tenantry-api; did you mean TENANTRY_THREADS?"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("DATABASE_URL: required but not set"), std::string::npos) << run.output;
}

TEST(TenantryApiSettings, StrictModeStopsTheStartOnAnUnknownVariable) {
  auto run = run_api({{"TENANTRY_THRAEDS", "2"}, {"TENANTRY_STRICT_CONFIG", "1"}});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("TENANTRY_THRAEDS is not a setting of tenantry-api; did you mean "
                            "TENANTRY_THREADS?"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("TENANTRY_STRICT_CONFIG=1: refusing to start"), std::string::npos);
  EXPECT_EQ(run.output.find("DATABASE_URL"), std::string::npos) << run.output;
}

TEST(TenantryApiSettings, HelpListsEveryDeclaredSettingAndBadUsageExits2) {
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

}  // namespace
}  // namespace tenantry::testing
