// The admin listener's routes (own port, never routed by the load balancer).
#include <boost/json.hpp>

#include "api/routes.h"
#include "platform/auth/middleware.h"

namespace tenantry::api {

void add_admin_routes(http::Router& router, metrics::Metrics& metrics,
                      const http::Router& public_router, std::vector<redis::Client*> redis) {
  // This listener has no middleware (it is not reachable from outside), so
  // its routes declare no RouteAuth: none would read it, and add would throw.
  router.add("GET", "/routes",
             [&public_router](http::Request&) -> boost::asio::awaitable<http::Response> {
               boost::json::array routes;
               for (const auto& route : public_router.routes()) {
                 // No RouteAuth: a valid token, any role.
                 const auto* auth = route.middleware.get<auth::RouteAuth>();
                 boost::json::array roles;
                 if (auth) {
                   for (const auto& role : auth->roles) roles.emplace_back(role);
                 }
                 routes.push_back(boost::json::object{{"method", route.method},
                                                      {"pattern", route.pattern},
                                                      {"anonymous", auth && auth->anonymous},
                                                      {"roles", std::move(roles)}});
               }
               co_return http::Response::json(
                   200, boost::json::serialize(boost::json::object{{"routes", std::move(routes)}}));
             });
  router.add("GET", "/metrics",
             [&metrics, redis](http::Request&) -> boost::asio::awaitable<http::Response> {
               for (auto* client : redis) co_await client->refresh_memory_metrics();
               co_return http::Response{
                   200, "text/plain; version=0.0.4; charset=utf-8", {}, metrics.expose()};
             });
  router.add("GET", "/livez", [](http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return http::Response::json(200, R"({"status":"alive"})");
  });
}

}  // namespace tenantry::api
