// GET /livez and GET /readyz: what the load balancer and supervisors poll.
// Readiness depends on PostgreSQL (the source of truth) but not on Redis:
// a Redis outage must not take every replica out of rotation.
#include <boost/json.hpp>

#include "api/routes.h"
#include "platform/auth/middleware.h"

namespace tenantry::api {

void add_health_routes(http::Router& router, Dependencies& dependencies,
                       std::function<bool()> draining) {
  router.add("GET", "/livez",
             [](http::Request&) -> boost::asio::awaitable<http::Response> {
               co_return http::Response::json(200, R"({"status":"alive"})");
             },
             {.access_log = false, .middleware = {auth::RouteAuth{.anonymous = true}}});

  router.add("GET", "/readyz",
             [&dependencies, draining](http::Request&) -> boost::asio::awaitable<http::Response> {
               if (draining()) co_return http::Response::json(503, R"({"status":"draining"})");
               auto status = co_await dependencies.check();
               boost::json::object body;
               body["status"] = status.postgres ? "ready" : "not_ready";
               body["postgres"] = status.postgres ? "up" : "down";
               body["redis"] = status.redis ? "up" : "down";
               co_return http::Response::json(status.postgres ? 200 : 503,
                                              boost::json::serialize(body));
             },
             {.access_log = false, .middleware = {auth::RouteAuth{.anonymous = true}}});
}

}  // namespace tenantry::api
