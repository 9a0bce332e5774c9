// JSON request bodies.
#include "api/json_body.h"

#include <boost/json/parse.hpp>

#include "platform/base/text.h"
#include "platform/http/problem.h"

namespace tenantry::api {

std::optional<boost::json::object> json_object_body(const http::Request& request) {
  // Read only as what it says it is: the input check read it so too.
  if (!http::is_json_media_type(request.media_type())) return std::nullopt;
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

std::optional<std::string> name_problem(std::string_view name) {
  if (auto bad = base::text_problem(name, base::TextKind::kIdentifier)) return std::string(*bad);
  std::size_t characters = 0;
  for (char c : name) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (characters < 1 || characters > 200) return "expected 1 to 200 characters";
  return std::nullopt;
}

http::Response invalid_body(const http::Request& request, std::string_view detail) {
  return http::problem(400, "invalid-body", "Bad Request", detail, request.request_id);
}

}  // namespace tenantry::api
