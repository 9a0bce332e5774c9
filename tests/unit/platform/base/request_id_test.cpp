// X-Request-ID rules and traceparent parsing.
#include "platform/base/request_id.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace tenantry::base {
namespace {

TEST(RequestId, AcceptsSafeIdsUpTo128Chars) {
  EXPECT_TRUE(is_valid_request_id("abc-123"));
  EXPECT_TRUE(is_valid_request_id("A.b_c:d-e"));
  EXPECT_TRUE(is_valid_request_id(std::string(128, 'x')));
}

TEST(RequestId, RejectsEmptyLongAndUnsafe) {
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'x')));
  EXPECT_FALSE(is_valid_request_id("has space"));
  EXPECT_FALSE(is_valid_request_id("quote\""));
  EXPECT_FALSE(is_valid_request_id("new\nline"));
  EXPECT_FALSE(is_valid_request_id("{\"json\":1}"));
  EXPECT_FALSE(is_valid_request_id("caf\xc3\xa9"));
}

TEST(RequestId, GeneratedIdsAreUuidV4AndUnique) {
  std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = generate_request_id();
    ASSERT_TRUE(std::regex_match(id, uuid)) << id;
    ASSERT_TRUE(is_valid_request_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Traceparent, ParsesVersion00) {
  auto tc = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(tc);
  EXPECT_EQ(tc->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tc->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(tc->flags, "01");
}

TEST(Traceparent, RejectsMalformed) {
  EXPECT_FALSE(parse_traceparent(""));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"));
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
}

TEST(Traceparent, AcceptsFutureVersionWithExtraFields) {
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
}

TEST(TraceId, GeneratedIsLowerHex32) {
  auto id = generate_trace_id();
  EXPECT_TRUE(std::regex_match(id, std::regex("^[0-9a-f]{32}$"))) << id;
}

}  // namespace
}  // namespace tenantry::base
