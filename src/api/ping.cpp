// GET /v1/ping: anonymous, so anyone can send it as often as they like. It
// answers from the replica's last dependency check (at most
// TENANTRY_DEPENDENCY_MAX_AGE_MS old, shared with /readyz), so a flood of
// pings costs no database round trip per request: at most one SELECT 1 and
// one Redis PING per interval, however many arrive.
#include <boost/json.hpp>

#include "api/routes.h"
#include "platform/auth/middleware.h"
#include "platform/http/problem.h"

namespace tenantry::api {

void add_ping_routes(http::Router& router, Dependencies& dependencies) {
  router.add(
      "GET", "/v1/ping",
      [&dependencies](http::Request& request) -> boost::asio::awaitable<http::Response> {
        auto status = co_await dependencies.check();
        if (!status.postgres) {
          auto response = http::problem(503, "database-unavailable", "Service Unavailable",
                                        "the database is unavailable; retry shortly",
                                        request.request_id);
          response.with_header("Retry-After", "1");
          co_return response;
        }
        boost::json::object body;
        body["status"] = "ok";
        body["postgres"] = "up";
        body["redis"] = status.redis ? "up" : "down";
        co_return http::Response::json(200, boost::json::serialize(body));
      },
      {.middleware = {auth::RouteAuth{.anonymous = true}}});
}

}  // namespace tenantry::api
