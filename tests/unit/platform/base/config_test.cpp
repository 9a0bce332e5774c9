// EnvReader: defaults, validation, and errors that name the variable.
#include "platform/base/config.h"

#include <gtest/gtest.h>

#include <map>

namespace tenantry::base {
namespace {

EnvReader reader(std::map<std::string, std::string> values) {
  return EnvReader([values](std::string_view name) -> std::optional<std::string> {
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

TEST(EnvReader, DefaultsWhenUnsetOrEmpty) {
  auto env = reader({{"EMPTY", ""}});
  EXPECT_EQ(env.integer("UNSET", 7, 0, 10), 7);
  EXPECT_EQ(env.integer("EMPTY", 7, 0, 10), 7);
  EXPECT_EQ(env.string("UNSET", "x"), "x");
  EXPECT_TRUE(env.boolean("UNSET", true));
}

TEST(EnvReader, IntegerOutOfRangeOrMalformedNamesTheVariable) {
  auto env = reader({{"PORT", "70000"}, {"JUNK", "12abc"}, {"NEG", "-1"}});
  EXPECT_EQ(error_of([&] { env.integer("PORT", 1, 1, 65535); }),
            "PORT: must be an integer in [1, 65535], got '70000'");
  EXPECT_NE(error_of([&] { env.integer("JUNK", 1, 0, 100); }).find("JUNK:"), std::string::npos);
  EXPECT_NE(error_of([&] { env.integer("NEG", 1, 0, 100); }).find("NEG:"), std::string::npos);
}

TEST(EnvReader, RequiredMissingNamesTheVariable) {
  auto env = reader({});
  EXPECT_EQ(error_of([&] { env.required("DATABASE_URL"); }), "DATABASE_URL: required but not set");
}

TEST(EnvReader, Boolean) {
  auto env = reader({{"A", "1"}, {"B", "false"}, {"C", "maybe"}});
  EXPECT_TRUE(env.boolean("A", false));
  EXPECT_FALSE(env.boolean("B", true));
  EXPECT_NE(error_of([&] { env.boolean("C", true); }).find("C: must be one of"), std::string::npos);
}

TEST(EnvReader, Millis) {
  auto env = reader({{"T", "250"}});
  EXPECT_EQ(env.millis("T", std::chrono::milliseconds(1), std::chrono::milliseconds(0),
                       std::chrono::milliseconds(1000)),
            std::chrono::milliseconds(250));
}

}  // namespace
}  // namespace tenantry::base
