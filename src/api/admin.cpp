// The admin listener's routes (own port, never routed by the load balancer).
#include <boost/json.hpp>

#include "api/routes.h"

namespace tenantry::api {

void add_admin_routes(http::Router& router, metrics::Metrics& metrics,
                      const http::Router& public_router, std::vector<redis::Client*> redis) {
  router.add("GET", "/routes",
             [&public_router](http::Request&) -> boost::asio::awaitable<http::Response> {
               boost::json::array routes;
               for (const auto& route : public_router.routes()) {
                 boost::json::array roles;
                 for (const auto& role : route.roles) roles.emplace_back(role);
                 routes.push_back(boost::json::object{{"method", route.method},
                                                      {"pattern", route.pattern},
                                                      {"anonymous", route.anonymous},
                                                      {"roles", std::move(roles)}});
               }
               co_return http::Response::json(
                   200, boost::json::serialize(boost::json::object{{"routes", std::move(routes)}}));
             },
             {.anonymous = true});
  router.add("GET", "/metrics",
             [&metrics, redis](http::Request&) -> boost::asio::awaitable<http::Response> {
               for (auto* client : redis) co_await client->refresh_memory_metrics();
               co_return http::Response{
                   200, "text/plain; version=0.0.4; charset=utf-8", {}, metrics.expose()};
             },
             {.anonymous = true});
  router.add("GET", "/livez",
             [](http::Request&) -> boost::asio::awaitable<http::Response> {
               co_return http::Response::json(200, R"({"status":"alive"})");
             },
             {.anonymous = true});
}

}  // namespace tenantry::api
