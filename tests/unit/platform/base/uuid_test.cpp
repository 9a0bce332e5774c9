// Uuid: one canonical text form, and random version-4 ids.
#include "platform/base/uuid.h"

#include <gtest/gtest.h>

#include <regex>

namespace tenantry::base {
namespace {

TEST(Uuid, ParsesEitherCaseIntoLowerCase) {
  auto id = Uuid::parse("0F8FAD5B-D9CB-469F-A165-70867728950E");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->str(), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(*id, *Uuid::parse("0f8fad5b-d9cb-469f-a165-70867728950e"));
}

TEST(Uuid, RefusesAnythingElse) {
  for (std::string_view bad :
       {"", "0f8fad5b", "0f8fad5bd9cb469fa16570867728950e", "0f8fad5b-d9cb-469f-a165-70867728950",
        "0f8fad5b-d9cb-469f-a165-70867728950e0", "0f8fad5b_d9cb-469f-a165-70867728950e",
        "0f8fad5b-d9cb-469f-a165-70867728950g", "{0f8fad5b-d9cb-469f-a165-70867728950}"}) {
    EXPECT_FALSE(Uuid::parse(bad)) << bad;
  }
}

TEST(Uuid, RandomIdsAreVersionFourAndDistinct) {
  static const std::regex kV4(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  auto a = Uuid::random(), b = Uuid::random();
  EXPECT_TRUE(std::regex_match(a.str(), kV4)) << a.str();
  EXPECT_TRUE(std::regex_match(b.str(), kV4)) << b.str();
  EXPECT_NE(a, b);
  EXPECT_EQ(*Uuid::parse(a.str()), a);
}

}  // namespace
}  // namespace tenantry::base
