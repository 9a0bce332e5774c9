// problem+json shape (RFC 9457).
#include "platform/http/problem.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tenantry::http {
namespace {

TEST(Problem, HasRfc9457FieldsAndRequestId) {
  auto response = problem(404, "not-found", "Not Found", "no such project", "req-1");
  EXPECT_EQ(response.status, 404u);
  EXPECT_EQ(response.content_type, "application/problem+json");
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "https://tenantry.dev/problems/not-found");
  EXPECT_EQ(body.at("title").as_string(), "Not Found");
  EXPECT_EQ(body.at("status").as_int64(), 404);
  EXPECT_EQ(body.at("detail").as_string(), "no such project");
  EXPECT_EQ(body.at("request_id").as_string(), "req-1");
}

TEST(Problem, EscapesDetail) {
  auto response = problem(400, "bad", "Bad", "quote \" and \n newline", "r");
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("detail").as_string(), "quote \" and \n newline");
}

}  // namespace
}  // namespace tenantry::http
