// Reading configuration from environment variables, validated once at start.
// A bad value is a start-up failure: ConfigError names the variable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tenantry::base {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class EnvReader {
 public:
  using Lookup = std::function<std::optional<std::string>(std::string_view)>;

  // Reads the process environment.
  EnvReader();
  explicit EnvReader(Lookup lookup);

  std::string string(std::string_view name, std::string_view fallback) const;
  std::string required(std::string_view name) const;
  std::optional<std::string> optional(std::string_view name) const;
  std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  std::chrono::milliseconds millis(std::string_view name, std::chrono::milliseconds fallback,
                                   std::chrono::milliseconds min,
                                   std::chrono::milliseconds max) const;
  bool boolean(std::string_view name, bool fallback) const;

 private:
  Lookup lookup_;
};

}  // namespace tenantry::base
