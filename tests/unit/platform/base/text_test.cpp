// The text rules every input passes: UTF-8, NUL, control characters.
#include "platform/base/text.h"

#include <gtest/gtest.h>

#include <string>

namespace tenantry::base {
namespace {

using namespace std::string_literals;

TEST(Text, AcceptsWellFormedUtf8) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("owner@acme.example"));
  EXPECT_TRUE(is_valid_utf8("Zürich \u00e9\u212a\U0001F600"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Text, RefusesEveryIllFormedSequence) {
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("a\x80"));            // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC3"));             // cut short
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));     // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // a surrogate (U+D800)
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
}

TEST(Text, FreeTextKeepsLineBreaksButNeverANul) {
  EXPECT_EQ(text_problem("line one\nline two\tand\r", TextKind::kText), std::nullopt);
  EXPECT_EQ(text_problem("owner@acme.example\0x"s, TextKind::kText), "contains a NUL byte");
  EXPECT_EQ(text_problem("\xFF", TextKind::kText), "is not valid UTF-8");
}

TEST(Text, IdentifiersRefuseEveryControlCharacter) {
  EXPECT_EQ(text_problem("acme-corp", TextKind::kIdentifier), std::nullopt);
  EXPECT_EQ(text_problem("Zürich", TextKind::kIdentifier), std::nullopt);
  for (std::string control : {"\t"s, "\n"s, "\r"s, "\x1b"s, "\x7f"s, "\u0085"s, "\u009f"s}) {
    EXPECT_EQ(text_problem("a" + control + "b", TextKind::kIdentifier),
              "contains a control character")
        << static_cast<int>(static_cast<unsigned char>(control[0]));
  }
  EXPECT_EQ(text_problem("a\0b"s, TextKind::kIdentifier), "contains a NUL byte");
}

}  // namespace
}  // namespace tenantry::base
