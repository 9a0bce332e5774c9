// Reading declared settings from the environment, with errors that name the
// variable; the help, README and machine-readable views of the declarations.
#include "platform/base/config.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>

extern char** environ;

namespace tenantry::base {
namespace {

std::optional<std::string> process_lookup(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string default_text(const Setting& setting, std::string_view quote) {
  if (setting.required) return "(required)";
  if (setting.fallback.empty()) return "unset";
  // A literal value is quoted; a computed one ("cores − 1") is prose.
  if (setting.fallback.find(' ') != std::string_view::npos) return std::string(setting.fallback);
  return std::string(quote) + std::string(setting.fallback) + std::string(quote);
}

// `text` in lines of at most `width` characters, each after `indent`.
std::string wrapped(std::string_view text, std::string_view indent, std::size_t width) {
  std::string out, line;
  for (std::size_t start = 0; start < text.size();) {
    auto end = std::min(text.find(' ', start), text.size());
    auto word = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += std::string(indent) + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + std::string(word);
  }
  if (!line.empty()) out += std::string(indent) + line + "\n";
  return out;
}

}  // namespace

std::string_view to_string(SettingType type) {
  switch (type) {
    case SettingType::kText: return "text";
    case SettingType::kInteger: return "integer";
    case SettingType::kDuration: return "duration";
    case SettingType::kBoolean: return "boolean";
    case SettingType::kUrl: return "url";
    case SettingType::kFile: return "file";
    case SettingType::kList: return "list";
  }
  return "text";
}

EnvReader::EnvReader(Declarations declarations)
    : EnvReader(std::move(declarations), process_lookup) {}

EnvReader::EnvReader(Declarations declarations, Lookup lookup)
    : declarations_(std::move(declarations)), lookup_(std::move(lookup)) {}

const Setting& EnvReader::declaration(std::string_view name) const {
  for (const auto& group : declarations_) {
    for (const auto& setting : group.settings) {
      if (setting.name == name) return setting;
    }
  }
  throw std::logic_error(std::string(name) + ": read but not declared");
}

std::optional<std::string> EnvReader::optional(std::string_view name) const {
  declaration(name);
  auto value = lookup_(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string EnvReader::text(std::string_view name) const {
  const auto& setting = declaration(name);
  auto value = optional(name);
  if (value) return *value;
  if (setting.required) throw ConfigError(std::string(name) + ": required but not set");
  return std::string(setting.fallback);
}

std::int64_t EnvReader::integer(std::string_view name, std::optional<std::int64_t> computed) const {
  const auto& setting = declaration(name);
  auto text = optional(name);
  if (!text) {
    if (computed) return *computed;
    auto fallback = parse_integer(setting.fallback);
    if (!fallback) throw std::logic_error(std::string(name) + ": its default must be computed");
    return *fallback;
  }
  auto value = parse_integer(*text);
  if (!value || *value < setting.min || *value > setting.max) {
    std::string unit = setting.type == SettingType::kDuration ? " (milliseconds)" : "";
    throw ConfigError(std::string(name) + ": must be an integer in [" +
                      std::to_string(setting.min) + ", " + std::to_string(setting.max) + "]" +
                      unit + ", got '" + (setting.secret ? "(secret)" : *text) + "'");
  }
  return *value;
}

std::chrono::milliseconds EnvReader::millis(std::string_view name,
                                            std::optional<std::int64_t> computed) const {
  return std::chrono::milliseconds(integer(name, computed));
}

bool EnvReader::boolean(std::string_view name) const {
  const auto& setting = declaration(name);
  auto text = optional(name).value_or(std::string(setting.fallback));
  if (text == "1" || text == "true" || text == "yes") return true;
  if (text == "0" || text == "false" || text == "no") return false;
  throw ConfigError(std::string(name) + ": must be one of 1/0/true/false/yes/no, got '" + text +
                    "'");
}

std::vector<std::string> unknown_variables(std::string_view program,
                                           const Declarations& declarations,
                                           std::span<const std::string> names) {
  std::vector<std::string> lines;
  for (const auto& name : names) {
    bool ours = std::any_of(std::begin(kProjectPrefixes), std::end(kProjectPrefixes),
                            [&](std::string_view prefix) { return name.starts_with(prefix); });
    if (!ours) continue;
    std::string_view closest;
    std::size_t best = std::string::npos;
    for (const auto& group : declarations) {
      for (const auto& setting : group.settings) {
        auto distance = edit_distance(name, setting.name);
        if (distance < best) best = distance, closest = setting.name;
      }
    }
    if (best == 0) continue;
    lines.push_back(name + " is not a setting of " + std::string(program) +
                    (closest.empty() ? "" : "; did you mean " + std::string(closest) + "?"));
  }
  return lines;
}

std::vector<std::string> environment_names() {
  std::vector<std::string> names;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    names.emplace_back(text.substr(0, text.find('=')));
  }
  return names;
}

bool check_environment(std::string_view program, const EnvReader& env,
                       std::span<const std::string> names) {
  auto unknown = unknown_variables(program, env.declarations(), names);
  bool strict = env.boolean(kStrictConfig.name);
  for (const auto& line : unknown) {
    std::fprintf(stderr, "%.*s: %s%s\n", static_cast<int>(program.size()), program.data(),
                 strict ? "" : "warning: ", line.c_str());
  }
  if (strict && !unknown.empty()) {
    std::fprintf(stderr, "%.*s: TENANTRY_STRICT_CONFIG=1: refusing to start\n",
                 static_cast<int>(program.size()), program.data());
    return false;
  }
  return true;
}

std::string settings_help(const Declarations& declarations) {
  std::string out;
  for (const auto& group : declarations) {
    out += std::string(group.title) + ":\n";
    for (const auto& setting : group.settings) {
      out += "  " + std::string(setting.name) + " [" + default_text(setting, "") + "]\n" +
             wrapped(setting.help, "      ", 72);
    }
  }
  return out;
}

std::string settings_markdown(const Declarations& declarations) {
  std::string out = "| variable | default | meaning |\n|---|---|---|\n";
  for (const auto& group : declarations) {
    out += "| **" + std::string(group.title) + "** | | |\n";
    for (const auto& setting : group.settings) {
      out += "| `" + std::string(setting.name) + "` | " + default_text(setting, "`") + " | " +
             std::string(setting.help) + " |\n";
    }
  }
  return out;
}

std::string settings_tsv(const Declarations& declarations) {
  std::string out;
  for (const auto& group : declarations) {
    for (const auto& setting : group.settings) {
      out += std::string(setting.name) + "\t" + std::string(to_string(setting.type)) + "\t" +
             std::string(setting.required ? "" : setting.fallback) + "\t" +
             std::string(setting.help) + "\n";
    }
  }
  return out;
}

}  // namespace tenantry::base
