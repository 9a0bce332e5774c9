// A child process that makes a sanitizer report, for sanitizer_reports_test.
// Built with ASan it reads freed memory, and the runtime reports it.
// Built without, it does what the runtime would, so the check is exercised
// in every build: writes a report to the log_path that ASAN_OPTIONS gives it
// (the file <log_path>.<pid>), then exits 1. It first prints its
// ASAN_OPTIONS, so the test can see what it was given.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char**) {
  const char* options = std::getenv("ASAN_OPTIONS");
  std::printf("ASAN_OPTIONS=%s\n", options ? options : "");
  std::fflush(stdout);
#if defined(__SANITIZE_ADDRESS__)
  // A use after free: ASan's report. (An out-of-bounds load would be caught
  // first by UBSan's object-size check, which writes to stderr.)
  auto* number = new int(argc);
  delete number;
  volatile int freed = *number;  // heap-use-after-free
  std::printf("%d\n", freed);
  return 0;
#else
  std::string all = options ? options : "", log_path;
  // The runtime takes the last log_path of the colon-separated list.
  for (std::size_t at = 0; (at = all.find("log_path=", at)) != std::string::npos; at += 9) {
    log_path = all.substr(at + 9, all.find(':', at) - at - 9);
  }
  if (log_path.empty()) return 3;
  auto report = log_path + "." + std::to_string(::getpid());
  if (FILE* out = std::fopen(report.c_str(), "w")) {
    std::fputs("==1==ERROR: AddressSanitizer: simulated by sanitizer_report_child (no ASan here)\n",
               out);
    std::fclose(out);
  }
  return 1;
#endif
}
