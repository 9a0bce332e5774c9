// Sanitizer reports of child processes: where they go and the check that
// none appeared (see sanitizer_reports.h).
#include "support/sanitizer_reports.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tenantry::testing {
namespace fs = std::filesystem;

std::map<std::string, std::string> sanitizer_log_environment(
    const fs::path& prefix, const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> result;
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    std::string value;
    if (auto given = env.find(name); given != env.end()) {
      value = given->second;
    } else if (const char* inherited = std::getenv(name)) {
      value = inherited;
    }
    if (!value.empty()) value += ':';
    result[name] = value + "log_path=" + prefix.string();
  }
  return result;
}

std::vector<fs::path> sanitizer_reports(const fs::path& prefix) {
  std::vector<fs::path> found;
  std::error_code ec;
  auto start = prefix.filename().string() + ".";
  for (const auto& entry : fs::directory_iterator(prefix.parent_path(), ec)) {
    if (entry.path().filename().string().starts_with(start)) found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::size_t fail_on_sanitizer_reports(const fs::path& prefix, const std::string& what) {
  auto reports = sanitizer_reports(prefix);
  for (const auto& report : reports) {
    std::ifstream in(report);
    std::stringstream text;
    text << in.rdbuf();
    ADD_FAILURE() << what << " wrote a sanitizer report, " << report.string() << ":\n"
                  << text.str();
  }
  return reports.size();
}

std::size_t fail_on_ubsan_reports_in_log(const fs::path& log, const std::string& what) {
  std::ifstream in(log);
  std::size_t found = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find(": runtime error: ") == std::string::npos) continue;
    ++found;
    ADD_FAILURE() << what << " made an UndefinedBehaviorSanitizer report, in " << log.string()
                  << ":\n"
                  << line;
  }
  return found;
}

}  // namespace tenantry::testing
