// GET /v1/me: who the access token says the caller is.
#include <boost/json.hpp>

#include "api/routes.h"

namespace tenantry::api {

void add_me_routes(http::Router& router) {
  router.add("GET", "/v1/me", [](http::Request& request) -> boost::asio::awaitable<http::Response> {
    const auto& principal = *request.principal;  // the route is not anonymous
    boost::json::array roles;
    for (const auto& role : principal.roles) roles.emplace_back(role);
    boost::json::object body{{"subject", principal.subject},
                             {"tenant_id", principal.tenant.str()},
                             {"roles", std::move(roles)}};
    co_return http::Response::json(200, boost::json::serialize(body));
  });
}

}  // namespace tenantry::api
