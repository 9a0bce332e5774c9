// Declared settings: defaults and bounds from the declaration, errors that
// name the variable, unknown variables named with the closest declared one,
// and the help and README views.
#include "platform/base/config.h"

#include <gtest/gtest.h>

#include <map>

namespace tenantry::base {
namespace {

constexpr Setting kTestSettings[] = {
    {"PORT", SettingType::kInteger, "7", "a port", 1, 65535},
    {"TIMEOUT_MS", SettingType::kDuration, "250", "a wait", 0, 1000},
    {"THREADS", SettingType::kInteger, "cores", "computed default", 1, 64},
    {"NAME", SettingType::kText, "x", "a name"},
    {"FLAG", SettingType::kBoolean, "true", "a switch"},
    {.name = "URL", .type = SettingType::kUrl, .help = "needed", .required = true},
    {.name = "TOKEN",
     .type = SettingType::kInteger,
     .help = "secret number",
     .min = 0,
     .max = 9,
     .secret = true},
};

EnvReader reader(std::map<std::string, std::string> values) {
  return EnvReader({{"Test", kTestSettings}},
                   [values](std::string_view name) -> std::optional<std::string> {
                     auto it = values.find(std::string(name));
                     if (it == values.end()) return std::nullopt;
                     return it->second;
                   });
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(EnvReader, TheDeclaredDefaultWhenUnsetOrEmpty) {
  auto env = reader({{"PORT", ""}});
  EXPECT_EQ(env.integer("PORT"), 7);
  EXPECT_EQ(env.millis("TIMEOUT_MS"), std::chrono::milliseconds(250));
  EXPECT_EQ(env.text("NAME"), "x");
  EXPECT_TRUE(env.boolean("FLAG"));
  EXPECT_FALSE(env.optional("NAME"));
  EXPECT_EQ(env.integer("THREADS", 3), 3);
}

TEST(EnvReader, ADefaultThatIsNotANumberMustBeComputedByTheCaller) {
  EXPECT_THROW(reader({}).integer("THREADS"), std::logic_error);
}

TEST(EnvReader, ReadingAnUndeclaredVariableIsAProgrammingError) {
  EXPECT_THROW(reader({{"OTHER", "1"}}).text("OTHER"), std::logic_error);
}

TEST(EnvReader, OutOfTheDeclaredBoundsOrMalformedNamesTheVariable) {
  EXPECT_EQ(error_of([] {
              reader({{"PORT", "70000"}}).integer("PORT");
            }),
            "PORT: must be an integer in [1, 65535], got '70000'");
  EXPECT_EQ(error_of([] {
              reader({{"TIMEOUT_MS", "5s"}}).millis("TIMEOUT_MS");
            }),
            "TIMEOUT_MS: must be an integer in [0, 1000] (milliseconds), got '5s'");
  EXPECT_NE(error_of([] {
              reader({{"PORT", "-1"}}).integer("PORT");
            }).find("PORT:"),
            std::string::npos);
}

TEST(EnvReader, ASecretValueIsNeverEchoed) {
  auto error = error_of([] { reader({{"TOKEN", "hunter2"}}).integer("TOKEN"); });
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  EXPECT_EQ(error.rfind("TOKEN: ", 0), 0u) << error;
}

TEST(EnvReader, RequiredMissingNamesTheVariable) {
  EXPECT_EQ(error_of([] { reader({}).text("URL"); }), "URL: required but not set");
}

TEST(EnvReader, Boolean) {
  EXPECT_FALSE(reader({{"FLAG", "false"}}).boolean("FLAG"));
  EXPECT_TRUE(reader({{"FLAG", "1"}}).boolean("FLAG"));
  EXPECT_NE(error_of([] {
              reader({{"FLAG", "maybe"}}).boolean("FLAG");
            }).find("FLAG: must be one of"),
            std::string::npos);
}

TEST(UnknownVariables, AProjectVariableNoDeclarationKnowsIsNamedWithTheClosestOne) {
  constexpr Setting kKnown[] = {
      {"TENANTRY_THREADS", SettingType::kInteger, "1", "", 1, 2},
      {"DATABASE_URL", SettingType::kUrl, "", ""},
  };
  Declarations declarations{{"Known", kKnown}};
  std::vector<std::string> names{"TENANTRY_THRAEDS", "DATABASE_URL", "PATH",
                                 "REDIS_URLL",       "HOME",         "DATABASE_URI"};
  auto lines = unknown_variables("tenantry-api", declarations, names);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "TENANTRY_THRAEDS is not a setting of tenantry-api; did you mean TENANTRY_THREADS?");
  EXPECT_NE(lines[1].find("REDIS_URLL"), std::string::npos);
  EXPECT_NE(lines[2].find("did you mean DATABASE_URL?"), std::string::npos);
}

TEST(SettingsViews, HelpMarkdownAndTabSeparatedComeFromTheDeclarations) {
  Declarations declarations{{"Test", kTestSettings}};
  auto help = settings_help(declarations);
  EXPECT_NE(help.find("Test:\n  PORT [7]\n      a port\n"), std::string::npos) << help;
  EXPECT_NE(help.find("  URL [(required)]\n"), std::string::npos) << help;
  auto markdown = settings_markdown(declarations);
  EXPECT_NE(markdown.find("| `PORT` | `7` | a port |\n"), std::string::npos) << markdown;
  auto tsv = settings_tsv(declarations);
  EXPECT_NE(tsv.find("TIMEOUT_MS\tduration\t250\ta wait\n"), std::string::npos) << tsv;
}

}  // namespace
}  // namespace tenantry::base
