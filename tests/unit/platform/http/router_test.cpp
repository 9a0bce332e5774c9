// Router: templates, parameters, 404/405 and the middleware chain.
#include "platform/http/router.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace tenantry::http {
namespace {

Handler reply(std::string body) {
  return
      [body](Request&) -> boost::asio::awaitable<Response> { co_return Response::json(200, body); };
}

Response run(const Router& router, const Route& route, Request& request) {
  boost::asio::io_context ioc;
  auto future =
      boost::asio::co_spawn(ioc, router.dispatch(route, request), boost::asio::use_future);
  ioc.run();
  return future.get();
}

TEST(Router, MatchesStaticAndParameterisedRoutes) {
  Router router;
  router.add("GET", "/v1/projects", reply("list"));
  router.add("GET", "/v1/projects/{id}", reply("one"));
  router.add("GET", "/v1/projects/{id}/tasks/{task}", reply("task"));

  auto list = router.match("GET", "/v1/projects");
  ASSERT_EQ(list.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(list.route->pattern, "/v1/projects");

  auto one = router.match("GET", "/v1/projects/42");
  ASSERT_EQ(one.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(one.route->pattern, "/v1/projects/{id}");
  ASSERT_EQ(one.params.size(), 1u);
  EXPECT_EQ(one.params[0], (std::pair<std::string, std::string>{"id", "42"}));

  auto task = router.match("GET", "/v1/projects/7/tasks/9");
  ASSERT_EQ(task.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(task.params[1].second, "9");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.add("GET", "/v1/projects/{id}", reply("one"));
  EXPECT_EQ(router.match("GET", "/v1/projects").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "/v1/projects/").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "/v1/projects/1/extra").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "relative").kind, RouteMatch::Kind::kNotFound);
}

TEST(Router, WrongMethodIsMethodNotAllowedWithAllow) {
  Router router;
  router.add("GET", "/v1/things", reply("get"));
  router.add("POST", "/v1/things", reply("post"));
  auto m = router.match("DELETE", "/v1/things");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, POST");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.add("GET", "/livez", reply("ok"));
  EXPECT_EQ(router.match("HEAD", "/livez").kind, RouteMatch::Kind::kFound);
}

TEST(Router, RejectsDuplicateAndMalformedRoutes) {
  Router router;
  router.add("GET", "/a", reply("a"));
  EXPECT_THROW(router.add("GET", "/a", reply("a")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "no-slash", reply("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{id", reply("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/x{id}", reply("x")), std::invalid_argument);
}

TEST(Router, MiddlewareRunsOutermostFirstAndCanShortCircuit) {
  Router router;
  std::vector<std::string> order;
  router.use([&order](Request& req, const Handler& next) -> boost::asio::awaitable<Response> {
    order.push_back("outer");
    auto res = co_await next(req);
    res.with_header("X-Outer", "1");
    co_return res;
  });
  router.use([&order](Request& req, const Handler& next) -> boost::asio::awaitable<Response> {
    order.push_back("inner");
    if (req.header("authorization").empty()) co_return Response::json(401, "{}");
    co_return co_await next(req);
  });
  router.add("GET", "/x", [&order](Request&) -> boost::asio::awaitable<Response> {
    order.push_back("handler");
    co_return Response::json(200, "{}");
  });
  auto match = router.match("GET", "/x");
  Request anonymous;
  auto refused = run(router, *match.route, anonymous);
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(order, (std::vector<std::string>{"outer", "inner"}));
  ASSERT_EQ(refused.headers.size(), 1u);

  order.clear();
  Request authorized;
  authorized.headers.emplace_back("authorization", "Bearer x");
  auto ok = run(router, *match.route, authorized);
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(order, (std::vector<std::string>{"outer", "inner", "handler"}));
}

TEST(Request, QueryParametersAreDecoded) {
  Request request;
  request.query = "ms=250&name=a%20b+c&flag&bad=%zz";
  EXPECT_EQ(request.query_param("ms"), "250");
  EXPECT_EQ(request.query_param("name"), "a b c");
  EXPECT_EQ(request.query_param("flag"), "");
  EXPECT_EQ(request.query_param("bad"), "%zz");
  EXPECT_FALSE(request.query_param("missing"));
}

}  // namespace
}  // namespace tenantry::http
