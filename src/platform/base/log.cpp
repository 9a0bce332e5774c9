// JSON-lines logger with periodic flushing.
#include "platform/base/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "platform/base/config.h"

namespace tenantry::base {
namespace {

constexpr auto kFlushInterval = std::chrono::milliseconds(100);

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void append_timestamp(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()) %
                std::chrono::seconds(1);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long>(micros.count()));
  out += buf;
}

}  // namespace

LogLevel parse_log_level(std::string_view name, std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  throw ConfigError(std::string(name) + ": must be one of debug/info/warn/error, got '" +
                    std::string(text) + "'");
}

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

Logger::Logger(std::string replica, LogLevel min_level, std::FILE* sink)
    : replica_(std::move(replica)), min_level_(min_level), sink_(sink) {
  flusher_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(kFlushInterval);
      flush();
    }
  });
}

Logger::~Logger() {
  flusher_.request_stop();
  flusher_.join();
  flush();
}

void Logger::log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(256);
  line += "{\"ts\":\"";
  append_timestamp(line);
  line += "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"msg\":\"";
  append_json_escaped(line, msg);
  line += "\",\"replica\":\"";
  append_json_escaped(line, replica_);
  line += '"';
  for (const auto& field : fields) {
    line += ",\"";
    line += field.key;
    line += "\":";
    std::visit(
        [&line](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string_view>) {
            line += '"';
            append_json_escaped(line, v);
            line += '"';
          } else if constexpr (std::is_same_v<V, bool>) {
            line += v ? "true" : "false";
          } else if constexpr (std::is_same_v<V, double>) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.3f", v);
            line += buf;
          } else {
            line += std::to_string(v);
          }
        },
        field.value);
  }
  line += "}\n";
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), sink_);
  if (level >= LogLevel::kWarn) std::fflush(sink_);
}

void Logger::flush() {
  std::lock_guard lock(mutex_);
  std::fflush(sink_);
}

}  // namespace tenantry::base
