// GET /v1/ping: a round trip through the replica to PostgreSQL (a SELECT 1
// through the pool, on every request) and Redis (its last known status).
#include <boost/json.hpp>

#include "api/database_problem.h"
#include "api/routes.h"

namespace tenantry::api {

void add_ping_routes(http::Router& router, db::Database& database, Dependencies& dependencies) {
  router.add(
      "GET", "/v1/ping",
      [&database, &dependencies](http::Request& request) -> boost::asio::awaitable<http::Response> {
        auto pinged = co_await database.ping();
        if (!pinged) co_return database_problem(pinged.error(), request);
        auto status = co_await dependencies.check();
        boost::json::object body;
        body["status"] = "ok";
        body["postgres"] = "up";
        body["redis"] = status.redis ? "up" : "down";
        co_return http::Response::json(200, boost::json::serialize(body));
      },
      {.anonymous = true});
}

}  // namespace tenantry::api
