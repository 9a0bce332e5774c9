// GET /v1/ping: a round trip through the replica to PostgreSQL and Redis.
#include <boost/json.hpp>

#include "api/routes.h"
#include "platform/http/problem.h"

namespace tenantry::api {

void add_ping_routes(http::Router& router, Dependencies& dependencies) {
  router.add("GET", "/v1/ping",
             [&dependencies](http::Request& request) -> boost::asio::awaitable<http::Response> {
               auto status = co_await dependencies.check();
               if (!status.postgres) {
                 auto response = http::problem(503, "dependency-unavailable", "Service Unavailable",
                                               "the database is unreachable; retry shortly",
                                               request.request_id);
                 response.with_header("Retry-After", "1");
                 co_return response;
               }
               boost::json::object body;
               body["status"] = "ok";
               body["postgres"] = "up";
               body["redis"] = status.redis ? "up" : "down";
               co_return http::Response::json(200, boost::json::serialize(body));
             });
}

}  // namespace tenantry::api
