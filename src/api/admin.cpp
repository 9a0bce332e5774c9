// The admin listener's routes (own port, never routed by the load balancer).
#include "api/routes.h"

namespace tenantry::api {

void add_admin_routes(http::Router& router, metrics::Metrics& metrics) {
  router.add("GET", "/metrics",
             [&metrics](http::Request&) -> boost::asio::awaitable<http::Response> {
               co_return http::Response{
                   200, "text/plain; version=0.0.4; charset=utf-8", {}, metrics.expose()};
             },
             {.anonymous = true});
  router.add("GET", "/livez", [](http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return http::Response::json(200, R"({"status":"alive"})");
  }, {.anonymous = true});
}

}  // namespace tenantry::api
