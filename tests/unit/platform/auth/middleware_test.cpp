// The bearer middleware in a router, without a server: anonymous routes,
// 401 without a valid token (also where a route declares nothing), the
// principal handed to the handler, the roles each route declares (403),
// and no-store on what needed a token.
#include "platform/auth/middleware.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>

#include "support/coro.h"
#include "support/services.h"
#include "support/tokens.h"

namespace tenantry::auth {
namespace {

namespace json = boost::json;

std::string cache_control(const http::Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (name == "Cache-Control") return value;
  }
  return "";
}

class MiddlewareTest : public ::testing::Test {
 protected:
  MiddlewareTest() {
    router_.use(authentication(store_, {testing::kTestIssuer, testing::kTestAudience}, logger_));
    auto who = [](http::Request& request) -> boost::asio::awaitable<http::Response> {
      co_return http::Response::json(200, request.principal ? request.principal->subject : "-");
    };
    router_.add("GET", "/open", who, {.middleware = {RouteAuth{.anonymous = true}}});
    router_.add("GET", "/any", who);  // no RouteAuth
    router_.add("GET", "/members", who, {.middleware = {RouteAuth{}}});
    router_.add("GET", "/owners", who, {.middleware = {RouteAuth{.roles = {"owner", "admin"}}}});
  }

  http::Response get(const std::string& path, const std::string& token = "") {
    http::Request request;
    request.method = "GET";
    request.path = path;
    request.request_id = "test";
    if (!token.empty()) request.headers.emplace_back("authorization", "Bearer " + token);
    auto match = router_.match("GET", path);
    return testing::run_coro(context_, router_.dispatch(*match.route, request));
  }
  std::string token_with_roles(json::array roles) {
    auto claims = testing::TestKeys::claims();
    claims["roles"] = std::move(roles);
    return keys_.token(claims);
  }

  testing::TempDir dir_;
  testing::TestKeys keys_{dir_.path()};
  base::Logger logger_{"test", base::LogLevel::kError, std::tmpfile()};
  KeyStore store_{keys_.jwks_path(), std::chrono::milliseconds(1'000), logger_};
  http::Router router_;
  boost::asio::io_context context_;
};

TEST_F(MiddlewareTest, AnonymousRoutesNeedNoToken) {
  auto response = get("/open");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "-");
}

TEST_F(MiddlewareTest, ARouteWithoutRouteAuthNeedsAValidToken) {
  for (auto path : {"/any", "/members"}) {
    EXPECT_EQ(get(path).status, 401) << path;
    EXPECT_EQ(get(path, "garbage").status, 401) << path;
    auto response = get(path, keys_.token());
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.body, "user-1");  // the handler sees the principal
  }
}

TEST_F(MiddlewareTest, WhatNeededATokenIsNeverStored) {
  EXPECT_EQ(cache_control(get("/any", keys_.token())), "no-store");
  EXPECT_EQ(cache_control(get("/any")), "no-store");  // the 401
  EXPECT_EQ(cache_control(get("/owners", token_with_roles({"member"}))),
            "no-store");  // the 403
  EXPECT_EQ(cache_control(get("/open")), "");
}

TEST_F(MiddlewareTest, ARouteCannotBeAnonymousAndNameRoles) {
  auto who = [](http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return http::Response::json(200, "{}");
  };
  EXPECT_THROW(router_.add("GET", "/both", who,
                           {.middleware = {RouteAuth{.anonymous = true, .roles = {"admin"}}}}),
               std::invalid_argument);
}

TEST_F(MiddlewareTest, ARouteWithRolesNeedsOneOfThem) {
  auto member = get("/owners", token_with_roles({"member", "viewer"}));
  EXPECT_EQ(member.status, 403);
  EXPECT_EQ(member.content_type, "application/problem+json");
  EXPECT_EQ(get("/owners", token_with_roles({"admin"})).status, 200);
  EXPECT_EQ(get("/owners", token_with_roles({"owner"})).status, 200);
  EXPECT_EQ(get("/owners", token_with_roles({})).status, 403);
  EXPECT_EQ(get("/owners").status, 401);  // no token: 401 before roles
}

TEST_F(MiddlewareTest, TheKeyStoreFollowsTheJwksFile) {
  testing::TempDir other_dir;
  testing::TestKeys other(other_dir.path());
  EXPECT_EQ(get("/any", other.token()).status, 401);
  std::filesystem::copy_file(other.jwks_path(), keys_.jwks_path(),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_TRUE(store_.reload());
  EXPECT_EQ(get("/any", other.token()).status, 200);
  EXPECT_EQ(get("/any", keys_.token()).status, 401);
  // A broken file keeps the keys in use.
  std::ofstream(keys_.jwks_path()) << "{not json";
  EXPECT_FALSE(store_.reload());
  EXPECT_EQ(get("/any", other.token()).status, 200);
}

}  // namespace
}  // namespace tenantry::auth
