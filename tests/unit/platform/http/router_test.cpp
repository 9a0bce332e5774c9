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

// A middleware that records its name around the handler it wraps.
Middleware recording(std::vector<std::string>& order, std::string name) {
  return [&order, name](const Route&, Handler next) -> Handler {
    return
        [&order, name, next = std::move(next)](Request& req) -> boost::asio::awaitable<Response> {
          order.push_back(name);
          co_return co_await next(req);
        };
  };
}

TEST(Router, MiddlewareRunsOutermostFirstAndCanShortCircuit) {
  Router router;
  std::vector<std::string> order;
  router.use([&order](const Route&, Handler next) -> Handler {
    return [&order, next = std::move(next)](Request& req) -> boost::asio::awaitable<Response> {
      order.push_back("outer");
      auto res = co_await next(req);
      res.with_header("X-Outer", "1");
      co_return res;
    };
  });
  router.use([&order](const Route&, Handler next) -> Handler {
    return [&order, next = std::move(next)](Request& req) -> boost::asio::awaitable<Response> {
      order.push_back("inner");
      if (req.header("authorization").empty()) co_return Response::json(401, "{}");
      co_return co_await next(req);
    };
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

TEST(Router, TheChainIsComposedOncePerRouteNotPerRequest) {
  Router router;
  std::vector<std::string> order;
  int compositions = 0;
  router.use([&compositions, inner = recording(order, "layer")](const Route& route, Handler next) {
    ++compositions;
    return inner(route, std::move(next));
  });
  router.add("GET", "/a", reply("a"));
  router.add("GET", "/b", reply("b"));
  EXPECT_EQ(compositions, 2);
  for (int i = 0; i < 5; ++i) {
    for (auto path : {"/a", "/b"}) {
      Request request;
      EXPECT_EQ(run(router, *router.match("GET", path).route, request).status, 200u);
    }
  }
  EXPECT_EQ(compositions, 2);
  EXPECT_EQ(order.size(), 10u);  // but it runs on every request
}

TEST(Router, MiddlewareCannotBeAddedAfterARoute) {
  Router router;
  router.add("GET", "/a", reply("a"));
  // /a's chain is already composed: the new middleware would be missing from it.
  EXPECT_THROW(router.use([](const Route&, Handler next) { return next; }), std::logic_error);
}

// A middleware's own config type, as auth::RouteAuth is the bearer middleware's.
struct Tag {
  std::string value;
};

// Adds X-Tag with the route's Tag; stays out of routes without one.
Middleware tagging(int& wrapped) {
  return [&wrapped](const Route& route, Handler next) -> Handler {
    const Tag* tag = route.middleware.get<Tag>();
    if (!tag) return next;
    ++wrapped;
    return [value = tag->value,
            next = std::move(next)](Request& req) -> boost::asio::awaitable<Response> {
      auto res = co_await next(req);
      res.with_header("X-Tag", value);
      co_return res;
    };
  };
}

TEST(Router, ARoutesTypedConfigReachesItsMiddleware) {
  Router router;
  int wrapped = 0;
  router.use(tagging(wrapped));
  router.add("GET", "/tagged", reply("t"), {.middleware = {Tag{"blue"}}});
  router.add("GET", "/plain", reply("p"));
  EXPECT_EQ(wrapped, 1);  // /plain's chain does not include it at all
  EXPECT_EQ(router.routes().front().middleware.get<Tag>()->value, "blue");
  EXPECT_EQ(router.routes().back().middleware.get<Tag>(), nullptr);

  Request tagged;
  auto res = run(router, *router.match("GET", "/tagged").route, tagged);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0], (std::pair<std::string, std::string>{"X-Tag", "blue"}));
  Request plain;
  EXPECT_TRUE(run(router, *router.match("GET", "/plain").route, plain).headers.empty());
}

TEST(Router, AConfigDeclaredTwiceIsRefused) {
  MiddlewareConfigs configs{Tag{"a"}};
  EXPECT_THROW(configs.add(Tag{"b"}), std::invalid_argument);
  EXPECT_THROW((MiddlewareConfigs{Tag{"a"}, Tag{"b"}}), std::invalid_argument);
  EXPECT_EQ(configs.get<Tag>()->value, "a");
}

TEST(Router, AConfigThatNoMiddlewareReadsIsRefused) {
  // E.g. a route given roles on a router without the bearer middleware:
  // serving it would drop the restriction it declares.
  Router router;
  std::vector<std::string> order;
  router.use(recording(order, "unrelated"));
  try {
    router.add("GET", "/x", reply("x"), {.middleware = {Tag{"t"}}});
    FAIL() << "a config that nothing reads was accepted";
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("GET /x declares "), std::string::npos) << what;
    EXPECT_NE(what.find("::Tag, which no middleware"), std::string::npos) << what;
  }
  EXPECT_TRUE(router.routes().empty());  // not left half-added
  EXPECT_EQ(router.match("GET", "/x").kind, RouteMatch::Kind::kNotFound);
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
