// Environment variable parsing with errors that name the variable.
#include "platform/base/config.h"

#include <charconv>
#include <cstdlib>

namespace tenantry::base {

EnvReader::EnvReader()
    : lookup_([](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      }) {}

EnvReader::EnvReader(Lookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> EnvReader::optional(std::string_view name) const {
  auto value = lookup_(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string EnvReader::string(std::string_view name, std::string_view fallback) const {
  return optional(name).value_or(std::string(fallback));
}

std::string EnvReader::required(std::string_view name) const {
  auto value = optional(name);
  if (!value) throw ConfigError(std::string(name) + ": required but not set");
  return *value;
}

std::int64_t EnvReader::integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                                std::int64_t max) const {
  auto text = optional(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    throw ConfigError(std::string(name) + ": must be an integer in [" + std::to_string(min) + ", " +
                      std::to_string(max) + "], got '" + *text + "'");
  }
  return value;
}

std::chrono::milliseconds EnvReader::millis(std::string_view name,
                                            std::chrono::milliseconds fallback,
                                            std::chrono::milliseconds min,
                                            std::chrono::milliseconds max) const {
  return std::chrono::milliseconds(integer(name, fallback.count(), min.count(), max.count()));
}

bool EnvReader::boolean(std::string_view name, bool fallback) const {
  auto text = optional(name);
  if (!text) return fallback;
  if (*text == "1" || *text == "true" || *text == "yes") return true;
  if (*text == "0" || *text == "false" || *text == "no") return false;
  throw ConfigError(std::string(name) + ": must be one of 1/0/true/false/yes/no, got '" + *text +
                    "'");
}

}  // namespace tenantry::base
