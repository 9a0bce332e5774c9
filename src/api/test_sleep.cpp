// GET /v1/test/sleep?ms=N: a slow request for drain tests; GET
// /v1/test/db-sleep?ms=N: one that holds a database connection (pg_sleep)
// for pool tests; GET /v1/test/noop and /v1/test/noop-authenticated: the
// same empty answer without and with authentication, for bench/http-auth. Registered only when
// TENANTRY_ENABLE_TEST_ENDPOINTS=1; never in production.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "api/database_problem.h"
#include "api/routes.h"
#include "platform/auth/middleware.h"
#include "platform/http/problem.h"

namespace tenantry::api {

namespace {

std::optional<int> sleep_ms(const http::Request& request) {
  auto text = request.query_param("ms").value_or("");
  int ms = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms < 0 || ms > 60'000)
    return std::nullopt;
  return ms;
}

http::Response bad_ms(const http::Request& request) {
  return http::problem(400, "invalid-parameter", "Bad Request",
                       "ms must be an integer in [0, 60000]", request.request_id);
}

}  // namespace

void add_test_routes(http::Router& router, db::Database& database) {
  auto noop = [](http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return http::Response::json(200, "{}");
  };
  router.add("GET", "/v1/test/noop", noop, {.middleware = {auth::RouteAuth{.anonymous = true}}});
  router.add("GET", "/v1/test/noop-authenticated", noop);

  router.add("GET", "/v1/test/sleep",
             [](http::Request& request) -> boost::asio::awaitable<http::Response> {
               auto ms = sleep_ms(request);
               if (!ms) co_return bad_ms(request);
               boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                               std::chrono::milliseconds(*ms));
               co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
               co_return http::Response::json(200, "{\"slept_ms\":" + std::to_string(*ms) + "}");
             },
             {.middleware = {auth::RouteAuth{.anonymous = true}}});

  router.add(
      "GET", "/v1/test/db-sleep",
      [&database](http::Request& request) -> boost::asio::awaitable<http::Response> {
        auto ms = sleep_ms(request);
        if (!ms) co_return bad_ms(request);
        // No tenant data: a pooled connection held for `ms`.
        auto lease = co_await database.primary().acquire();
        if (!lease) co_return database_problem(lease.error(), request);
        const db::Param seconds(*ms / 1000.0);
        const db::Command sleep[] = {{"SELECT pg_sleep($1::float8)", std::span(&seconds, 1)}};
        auto slept = co_await lease->run(sleep);
        if (!slept) co_return database_problem(slept.error(), request);
        co_return http::Response::json(200, "{\"slept_ms\":" + std::to_string(*ms) + "}");
      },
      {.middleware = {auth::RouteAuth{.anonymous = true}}});
}

}  // namespace tenantry::api
