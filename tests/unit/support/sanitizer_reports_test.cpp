// The sanitizer-report check of child processes (support/sanitizer_reports,
// ChildProcess): reports are found, fail the test, and a child really sends
// its reports there with the options it already had.
#include "support/sanitizer_reports.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/services.h"

namespace tenantry::testing {
namespace {

using namespace std::chrono_literals;

TEST(SanitizerReports, FindsTheReportFilesOfAPrefixOnly) {
  TempDir dir;
  auto prefix = dir.path() / "api.log.sanitizer";
  std::ofstream(dir.path() / "api.log") << "a log line\n";
  std::ofstream(dir.path() / "ctl.log.sanitizer.7") << "another child's report\n";
  EXPECT_TRUE(sanitizer_reports(prefix).empty());
  EXPECT_EQ(fail_on_sanitizer_reports(prefix, "nothing"), 0u);

  std::ofstream(prefix.string() + ".4242") << "==4242==ERROR: AddressSanitizer: heap-use-after-free\n";
  ASSERT_EQ(sanitizer_reports(prefix), std::vector<std::filesystem::path>{prefix.string() + ".4242"});
  EXPECT_NONFATAL_FAILURE(EXPECT_EQ(fail_on_sanitizer_reports(prefix, "the api"), 1u),
                          "heap-use-after-free");
}

TEST(SanitizerReports, AppendsLogPathToTheOptionsAlreadySet) {
  auto env = sanitizer_log_environment("/tmp/x/api.log.sanitizer",
                                       {{"ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0"}});
  EXPECT_EQ(env["ASAN_OPTIONS"], "detect_leaks=1:abort_on_error=0:log_path=/tmp/x/api.log.sanitizer");
  EXPECT_TRUE(env["UBSAN_OPTIONS"].ends_with("log_path=/tmp/x/api.log.sanitizer"))
      << env["UBSAN_OPTIONS"];
}

TEST(SanitizerReports, AChildThatReportsFailsTheTestWhenItHasExited) {
  TempDir dir;
  auto log = dir.path() / "child.log";
  std::optional<ChildProcess> child;
  child.emplace(std::vector<std::string>{(binary_dir() / "bin/sanitizer_report_child").string()},
                std::map<std::string, std::string>{{"ASAN_OPTIONS", "detect_leaks=1"}}, log);
  // wait() sees the exit and checks; the report is the failure.
  EXPECT_NONFATAL_FAILURE(child->wait(30s), "AddressSanitizer");
  EXPECT_NE(child->wait(0ms), 0);
  EXPECT_NE(child->log().find("ASAN_OPTIONS=detect_leaks=1:log_path=" +
                              child->sanitizer_prefix().string()),
            std::string::npos)
      << child->log();
  ASSERT_EQ(sanitizer_reports(child->sanitizer_prefix()).size(), 1u);
  EXPECT_EQ(child->log().find("ERROR: AddressSanitizer"), std::string::npos)
      << "the report went to the log, not to its own file";
  child.reset();  // checked once: no second failure at destruction
}

TEST(SanitizerReports, AnUbsanReportInAChildsLogFailsTheTest) {
  TempDir dir;
  std::optional<ChildProcess> child;
  child.emplace(std::vector<std::string>{"/bin/sh", "-c",
                                         "echo 'x.cpp:3:9: runtime error: signed integer "
                                         "overflow' >&2; exit 1"},
                std::map<std::string, std::string>{}, dir.path() / "ub.log");
  EXPECT_NONFATAL_FAILURE(child->wait(30s), "signed integer overflow");
}

TEST(SanitizerReports, AChildStillRunningIsCheckedAtDestruction) {
  TempDir dir;
  std::optional<ChildProcess> child;
  child.emplace(std::vector<std::string>{"/bin/sleep", "30"}, std::map<std::string, std::string>{},
                dir.path() / "sleep.log");
  std::ofstream(child->sanitizer_prefix().string() + ".1") << "==1==ERROR: LeakSanitizer\n";
  EXPECT_NONFATAL_FAILURE(child.reset(), "LeakSanitizer");
}

}  // namespace
}  // namespace tenantry::testing
