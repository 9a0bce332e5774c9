// One canonical form per slug and e-mail address.
#include "platform/tenancy/identifiers.h"

#include <gtest/gtest.h>

#include <string>

namespace tenantry::tenancy {
namespace {

using namespace std::string_literals;

TEST(CanonicalSlug, FoldsAsciiCaseOnly) {
  EXPECT_EQ(canonical_slug("acme"), "acme");
  EXPECT_EQ(canonical_slug("ACME-corp2"), "acme-corp2");
  EXPECT_EQ(canonical_slug("a1"), "a1");
  EXPECT_EQ(canonical_slug(std::string(63, 'a')), std::string(63, 'a'));
}

TEST(CanonicalSlug, RefusesEverythingTheSchemaWould) {
  for (std::string bad : {""s, "a"s, std::string(64, 'a'), "-acme"s, "ac me"s, "acme_x"s,
                          "acme\0"s, "acme\0x"s, "acm\u0130"s, "\u212Acme"s, "acme."s}) {
    EXPECT_EQ(canonical_slug(bad), std::nullopt) << bad;
  }
}

TEST(CanonicalEmail, IsTheAsciiLowerCaseOfAValidAddress) {
  EXPECT_EQ(canonical_email("Owner@Acme.example"), "owner@acme.example");
  EXPECT_EQ(canonical_email("first.last+tag@sub.acme.example"), "first.last+tag@sub.acme.example");
  EXPECT_EQ(canonical_email("o'neil@xn--bcher-kva.example"), "o'neil@xn--bcher-kva.example");
  EXPECT_EQ(canonical_email("a@b"), "a@b");
}

// Each of these would reach owner@acme.example through a C string cut at
// the NUL, or through PostgreSQL's lower() under a UTF-8 locale.
TEST(CanonicalEmail, RefusesSpellingsThatAnotherLayerWouldFoldOntoAnAccount) {
  for (std::string bad : {"owner@acme.example\0x"s, "owner@acme.example\0"s,
                          "owner@acme.e\u212Aample"s,  // KELVIN SIGN for k
                          "owner@acme.example\u0130"s,  // I WITH DOT ABOVE
                          "\u00d6wner@acme.example"s, "owner@acme.example "s,
                          " owner@acme.example"s, "owner@acme.example\n"s}) {
    EXPECT_EQ(canonical_email(bad), std::nullopt) << bad;
  }
}

TEST(CanonicalEmail, RefusesMalformedAddresses) {
  for (std::string bad : {""s, "ab"s, "owner"s, "@acme.example"s, "owner@"s, "a@@b"s, "a@b@c"s,
                          ".owner@acme.example"s, "owner.@acme.example"s, "ow..ner@acme.example"s,
                          "owner@acme..example"s, "owner@-acme.example"s, "owner@acme-.example"s,
                          "owner@acme_x.example"s, std::string(65, 'a') + "@acme.example",
                          "a@" + std::string(64, 'b') + ".example", "\"a b\"@acme.example"s}) {
    EXPECT_EQ(canonical_email(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace tenantry::tenancy
