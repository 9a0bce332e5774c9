// JSON request bodies.
#include "api/json_body.h"

#include <boost/json/parse.hpp>

#include "platform/http/problem.h"

namespace tenantry::api {

std::optional<boost::json::object> json_object_body(const http::Request& request) {
  boost::system::error_code ec;
  auto value = boost::json::parse(request.body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::optional<std::string> string_field(const boost::json::object& body, std::string_view name) {
  auto* value = body.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->as_string());
}

http::Response invalid_body(const http::Request& request, std::string_view detail) {
  return http::problem(400, "invalid-body", "Bad Request", detail, request.request_id);
}

}  // namespace tenantry::api
