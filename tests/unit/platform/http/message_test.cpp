// Request accessors: a body is read only as the type it declares, and
// decoding is done once, the same way for the check and for the handler.
#include "platform/http/message.h"

#include <gtest/gtest.h>

#include "platform/http/router.h"

namespace tenantry::http {
namespace {

using namespace std::string_literals;

Request with_body(std::string type, std::string body) {
  Request request;
  request.headers = {{"content-type", std::move(type)}};
  request.body = std::move(body);
  return request;
}

TEST(Request, FormFieldsAreReadOnlyFromAFormBody) {
  auto form = with_body("Application/X-WWW-Form-Urlencoded; charset=utf-8", "a=1+2&b=%41");
  EXPECT_EQ(form.form_param("a"), "1 2");
  EXPECT_EQ(form.form_param("b"), "A");
  EXPECT_EQ(with_body("application/json", "a=1").form_param("a"), std::nullopt);
  EXPECT_EQ(with_body("", "a=1").form_param("a"), std::nullopt);
}

TEST(Request, MediaTypeIsLowerCaseWithoutParameters) {
  EXPECT_EQ(with_body(" Application/JSON ; charset=UTF-8", "").media_type(), "application/json");
  EXPECT_TRUE(is_json_media_type("application/problem+json"));
  EXPECT_FALSE(is_json_media_type("text/json+x"));
}

TEST(Request, PercentDecodingKeepsWhatItCannotDecode) {
  EXPECT_EQ(percent_decode("a%2Fb+c", false), "a/b+c");
  EXPECT_EQ(percent_decode("a%2Fb+c", true), "a/b c");
  EXPECT_EQ(percent_decode("100%", true), "100%");
  EXPECT_EQ(percent_decode("%G1%4", true), "%G1%4");
  EXPECT_EQ(percent_decode("%00", true), "\0"s);
}

TEST(Request, PathParametersArriveDecoded) {
  Router router;
  router.add("GET", "/v1/users/{id}",
             [](Request&) -> boost::asio::awaitable<Response> { co_return Response{}; });
  auto match = router.match("GET", "/v1/users/a%20b%00");
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(match.params.at(0).second, "a b\0"s);
}

TEST(Request, TheInputCheckFindsNothingInCleanRequests) {
  Request request = with_body("application/json", R"({"name":"Zürich","tags":["a\nb"],"n":1})");
  request.query = "limit=10&cursor=abc%3D";
  request.params = {{"id", "00000000-0000-4000-8000-000000000001"}};
  EXPECT_FALSE(find_invalid_input(request));
  EXPECT_FALSE(find_invalid_input(with_body("application/x-www-form-urlencoded",
                                            "grant_type=password&password=p%0Aw")));
}

TEST(Request, TheInputCheckNamesTheFirstBadField) {
  auto bad = find_invalid_input(
      with_body("application/x-www-form-urlencoded", "tenant=acme&username=o%40a.example%00x"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "username");
  EXPECT_EQ(bad->reason, "contains a NUL byte");
  Request query;
  query.query = "a=ok&b=%C0%AF";
  bad = find_invalid_input(query);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "b");
  EXPECT_EQ(bad->reason, "is not valid UTF-8");
}

}  // namespace
}  // namespace tenantry::http
