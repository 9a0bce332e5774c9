// tenantry-migrate as a real process against a real PostgreSQL: exactly-once
// under concurrency, edited files refused, lint enforced, failures rolled back.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "support/services.h"

namespace tenantry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class MigrateTest : public ::testing::Test {
 protected:
  MigrateTest() {
    fs::create_directories(dir_.path() / "migrations");
    fs::copy(source_dir() / "migrations", dir_.path() / "migrations");
  }

  // Test migrations are numbered 9001 and up: after every real one.
  void write(const std::string& name, const std::string& sql) {
    std::ofstream(dir_.path() / "migrations" / name) << sql;
  }

  // Runs tenantry-migrate; returns its exit code and output.
  std::pair<int, std::string> run(const std::string& command, const std::string& tag = "run") {
    auto log = dir_.path() / (tag + ".log");
    fs::remove(log);
    ChildProcess process({(binary_dir() / "bin/tenantry-migrate").string(), command, "--dir",
                          (dir_.path() / "migrations").string()},
                         {{"MIGRATE_DATABASE_URL", pg_.owner_url()}}, log);
    auto code = process.wait(60s);
    return {code.value_or(-1), process.log()};
  }

  TempDir dir_;
  PostgresServer pg_;
};

TEST_F(MigrateTest, ThreeConcurrentRunsApplyEachMigrationOnce) {
  write("9001_expand_slow_widget.sql",
        "SET lock_timeout = '5s';\nSELECT pg_sleep(0.3);\n"
        "CREATE TABLE widgets (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, "
        "id));\n");
  std::vector<std::unique_ptr<ChildProcess>> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{(binary_dir() / "bin/tenantry-migrate").string(), "up", "--dir",
                                 (dir_.path() / "migrations").string()},
        std::map<std::string, std::string>{{"MIGRATE_DATABASE_URL", pg_.owner_url()}},
        dir_.path() / ("up-" + std::to_string(i) + ".log")));
  }
  std::string all;
  for (auto& run : runs) {
    EXPECT_EQ(run->wait(60s), 0) << run->log();
    all += run->log();
  }
  std::size_t files = 0;
  for (const auto& file : fs::directory_iterator(dir_.path() / "migrations")) {
    ++files;
    auto name = file.path().filename().string();
    EXPECT_EQ(count_occurrences(all, "applied " + name), 1u) << name << "\n" << all;
  }
  EXPECT_GE(files, 3u);  // the repository's, and the slow one
  EXPECT_EQ(count_occurrences(all, "up to date"), 2u) << all;

  auto [code, status] = run("status");
  EXPECT_EQ(code, 0) << status;
  EXPECT_EQ(count_occurrences(status, " applied "), files) << status;
}

TEST_F(MigrateTest, AnEditedAppliedMigrationIsRefused) {
  ASSERT_EQ(run("up").first, 0);
  std::ofstream(dir_.path() / "migrations/0001_expand_initial_schema.sql", std::ios::app)
      << "-- an innocent-looking edit\n";
  auto [code, output] = run("up");
  EXPECT_EQ(code, 1);
  EXPECT_NE(output.find("0001_expand_initial_schema.sql: edited after it was applied"),
            std::string::npos)
      << output;
}

TEST_F(MigrateTest, PlanListsPendingWithoutApplying) {
  auto [code, plan] = run("plan");
  EXPECT_EQ(code, 0);
  EXPECT_NE(plan.find("would apply 0001_expand_initial_schema.sql"), std::string::npos) << plan;
  EXPECT_NE(run("status").second.find("0001_expand_initial_schema.sql  pending"),
            std::string::npos);
}

TEST_F(MigrateTest, TheRepositorysMigrationsPassLint) {
  auto [code, output] = run("lint");
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("no findings"), std::string::npos) << output;
}

TEST_F(MigrateTest, LintFindingsNameFileLineAndRuleAndBlockUp) {
  write("9001_expand_drop_name.sql",
        "SET lock_timeout = '5s';\nALTER TABLE projects DROP COLUMN name;\n");
  auto [code, output] = run("lint");
  EXPECT_EQ(code, 1);
  EXPECT_NE(output.find("9001_expand_drop_name.sql:2: no-drop-in-expand"), std::string::npos)
      << output;
  auto [up_code, up_output] = run("up");
  EXPECT_EQ(up_code, 1);
  EXPECT_NE(up_output.find("refusing to apply"), std::string::npos) << up_output;
  EXPECT_NE(run("status").second.find("0001_expand_initial_schema.sql  pending"),
            std::string::npos);  // nothing applied, not even the clean one
}

TEST_F(MigrateTest, AFailingMigrationIsRolledBackAndNamesItsLine) {
  write("9001_expand_broken.sql",
        "SET lock_timeout = '5s';\nCREATE TABLE half_done (id int PRIMARY KEY);\n"
        "SELECT no_such_function();\n");
  auto [code, output] = run("up");
  EXPECT_EQ(code, 1);
  EXPECT_NE(output.find("9001_expand_broken.sql:3:"), std::string::npos) << output;
  EXPECT_NE(output.find("rolled back"), std::string::npos) << output;
  auto status = run("status").second;
  EXPECT_NE(status.find("0001_expand_initial_schema.sql  applied"), std::string::npos) << status;
  EXPECT_NE(status.find("9001_expand_broken.sql  pending"), std::string::npos) << status;
}

TEST_F(MigrateTest, BadUsageAndMissingDatabaseAreOneLineErrors) {
  auto [code, output] = run("sideways");
  EXPECT_EQ(code, 2);
  EXPECT_EQ(output,
            "tenantry-migrate: The following argument was not expected: sideways (see --help)\n");
  ChildProcess no_url({(binary_dir() / "bin/tenantry-migrate").string(), "up", "--dir",
                       (dir_.path() / "migrations").string()},
                      {{"MIGRATE_DATABASE_URL", ""}}, dir_.path() / "nourl.log");
  EXPECT_EQ(no_url.wait(10s), 1);
  EXPECT_EQ(no_url.log(), "tenantry-migrate: MIGRATE_DATABASE_URL: required but not set\n");
}

}  // namespace
}  // namespace tenantry::testing
