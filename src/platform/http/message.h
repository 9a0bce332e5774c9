// The request and response that handlers see. Plain structs, so that only
// server.cpp includes Boost.Beast.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/tenancy/principal.h"

namespace tenantry::http {

struct Route;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // upper case, as sent
  std::string path;    // without the query string
  std::string query;   // without the leading '?'
  Headers headers;     // names lower-cased
  std::string body;
  std::string remote;  // client address (first X-Forwarded-For hop, else the peer)
  std::string request_id;
  std::string trace_id;
  std::string traceparent;  // the incoming header when valid, to propagate downstream
  std::vector<std::pair<std::string, std::string>> params;  // path parameters
  const Route* route = nullptr;  // the matched route, set by Router::dispatch
  // Set by the authentication middleware from the verified access token.
  std::optional<tenancy::Principal> principal;

  // The first value of header `name` (lower case), or empty.
  std::string_view header(std::string_view name) const;
  std::optional<std::string_view> param(std::string_view name) const;
  // The decoded value of query parameter `name`, if present.
  std::optional<std::string> query_param(std::string_view name) const;
  // The same from an application/x-www-form-urlencoded body.
  std::optional<std::string> form_param(std::string_view name) const;
};

// The decoded value of field `name` in `a=1&b=2` form encoding.
std::optional<std::string> form_field(std::string_view encoded, std::string_view name);

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  Headers headers;
  std::string body;

  static Response json(unsigned status, std::string body) {
    return Response{status, "application/json", {}, std::move(body)};
  }
  Response& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace tenantry::http
