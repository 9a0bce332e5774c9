// Structured logging: one JSON object per line on stdout (ADR-009 invariant 6).
// Lines are buffered and flushed every 100 ms, or at once for warnings and
// errors, so the request path does not pay a write(2) per request. Never pass
// a token, a password, a body or personal data as a field.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <variant>

namespace tenantry::base {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Parses "debug", "info", "warn", "error"; throws ConfigError otherwise.
LogLevel parse_log_level(std::string_view name, std::string_view text);

struct LogField {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double, bool> value;
};

class Logger {
 public:
  // `sink` is a FILE* (stdout in production); tests pass a temporary file.
  Logger(std::string replica, LogLevel min_level, std::FILE* sink = stdout);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(LogLevel level) const { return level >= min_level_; }
  void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void info(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::kInfo, msg, fields);
  }
  void warn(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::kWarn, msg, fields);
  }
  void error(std::string_view msg, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::kError, msg, fields);
  }
  void flush();

 private:
  std::string replica_;
  LogLevel min_level_;
  std::FILE* sink_;
  std::mutex mutex_;
  std::jthread flusher_;
};

// Appends `text` to `out` as the inside of a JSON string (no quotes).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace tenantry::base
