// Settings as data: each module declares the environment variables it reads
// once (name, type, default, bounds, secret, one line of help), and that
// declaration drives parsing and validation, --help, the README's tables and
// the warning about unknown variables. A bad value is a start-up failure:
// ConfigError names the variable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tenantry::base {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class SettingType { kText, kInteger, kDuration, kBoolean, kUrl, kFile, kList };
std::string_view to_string(SettingType type);

struct Setting {
  std::string_view name;
  SettingType type = SettingType::kText;
  // The default as people read it; a number for integers and durations
  // unless the code computes it (then it says how: "cores").
  std::string_view fallback;
  std::string_view help;
  std::int64_t min = 0;  // integers; milliseconds for durations
  std::int64_t max = 0;
  bool required = false;
  // Never echoed: an error about it names the variable, not the value.
  bool secret = false;
};

// A module's settings under a title ("HTTP server"), in --help and README.
struct SettingGroup {
  std::string_view title;
  std::span<const Setting> settings;
};
using Declarations = std::vector<SettingGroup>;

// Every process reads it: unknown variables exit 2 instead of warning.
inline constexpr Setting kStrictConfig{
    "TENANTRY_STRICT_CONFIG", SettingType::kBoolean, "0",
    "1: an unknown variable with a project prefix stops the start (exit 2) instead of a warning"};
inline constexpr Setting kProcessSettings[] = {kStrictConfig};

// The prefixes of the project's variables; an unknown one is reported.
inline constexpr std::string_view kProjectPrefixes[] = {"TENANTRY_", "DATABASE_", "REDIS_",
                                                        "PLATFORM_", "SYSTEM_",   "MIGRATE_"};

class EnvReader {
 public:
  using Lookup = std::function<std::optional<std::string>(std::string_view)>;

  // Reads the process environment.
  explicit EnvReader(Declarations declarations);
  EnvReader(Declarations declarations, Lookup lookup);

  // Reading a variable that is not declared is a programming error
  // (std::logic_error), caught by the first test that reads the config.
  const Setting& declaration(std::string_view name) const;
  const Declarations& declarations() const { return declarations_; }

  // The value, or the declared default when unset or empty; a required
  // setting that is unset throws.
  std::string text(std::string_view name) const;
  std::optional<std::string> optional(std::string_view name) const;
  // Within the declared bounds; `computed` replaces a default that is not a
  // number in the declaration.
  std::int64_t integer(std::string_view name,
                       std::optional<std::int64_t> computed = std::nullopt) const;
  std::chrono::milliseconds millis(std::string_view name,
                                   std::optional<std::int64_t> computed = std::nullopt) const;
  bool boolean(std::string_view name) const;

 private:
  Declarations declarations_;
  Lookup lookup_;
};

// Variables in `names` with a project prefix that no declaration knows:
// one line each, naming the closest declared setting.
std::vector<std::string> unknown_variables(std::string_view program,
                                           const Declarations& declarations,
                                           std::span<const std::string> names);
// The names of the process environment's variables.
std::vector<std::string> environment_names();
// Warns on stderr ("PROGRAM: warning: ...") about each unknown variable;
// false when TENANTRY_STRICT_CONFIG is on and there was one (the caller
// exits 2).
bool check_environment(std::string_view program, const EnvReader& env,
                       std::span<const std::string> names);

// The settings as --help shows them, as the README's table (Markdown), and
// one tab-separated line each (NAME TYPE DEFAULT HELP) for programs.
std::string settings_help(const Declarations& declarations);
std::string settings_markdown(const Declarations& declarations);
std::string settings_tsv(const Declarations& declarations);

}  // namespace tenantry::base
