// Reading JSON request bodies, shared by the resources that take one: the
// body as an object, its string fields, and the 400 problem for a bad body.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "platform/http/message.h"

namespace tenantry::api {

// The body as a JSON object, or nullopt (answer invalid_body).
std::optional<boost::json::object> json_object_body(const http::Request& request);
// Field `name` when it is a string; nullopt when absent or of another type.
std::optional<std::string> string_field(const boost::json::object& body, std::string_view name);
// What is wrong with `name` as a display name (1 to 200 characters of
// UTF-8, no control character), or nullopt.
std::optional<std::string> name_problem(std::string_view name);
// 400 problem+json "invalid-body" with `detail`.
http::Response invalid_body(const http::Request& request, std::string_view detail);

}  // namespace tenantry::api
