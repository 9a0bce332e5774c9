// Sanitizer reports of child processes (tenantry-api, tenantryctl, ...):
// under the ASan+UBSan build a report goes to a file next to the child's log,
// not into it, and a test fails when one appears. Without this a child's
// heap overflow or leak was one more line in a log nobody read.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tenantry::testing {

// ASAN_OPTIONS and UBSAN_OPTIONS for a child whose reports go to files
// `prefix`.<pid>: each is the child's value (from `env`, else this
// process's environment) with log_path appended, so the options already set
// stay and the later log_path wins. Harmless for a child without sanitizers.
std::map<std::string, std::string> sanitizer_log_environment(
    const std::filesystem::path& prefix, const std::map<std::string, std::string>& env);

// The report files of `prefix` (`prefix`.<anything>), sorted.
std::vector<std::filesystem::path> sanitizer_reports(const std::filesystem::path& prefix);

// Adds a test failure (ADD_FAILURE: the current test's, or its suite's in
// SetUpTestSuite/TearDownTestSuite) per report of `prefix`, naming `what` and
// holding the report's text. Returns how many there were.
std::size_t fail_on_sanitizer_reports(const std::filesystem::path& prefix, const std::string& what);

// UBSan's reports in a child's log (stdout and stderr). GCC 12's UBSan,
// linked beside ASan here, ignores log_path (in ASAN_OPTIONS and in
// UBSAN_OPTIONS alike: measured, it writes to stderr), so its reports
// ("<file>:<line>:<col>: runtime error: ...") are found in the log instead.
// A failure per report line, as above; returns how many there were.
std::size_t fail_on_ubsan_reports_in_log(const std::filesystem::path& log, const std::string& what);

}  // namespace tenantry::testing
