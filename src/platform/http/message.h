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
  std::string remote;  // client address (the last X-Forwarded-For hop from a trusted proxy, else the peer)
  std::string request_id;
  std::string trace_id;
  std::string traceparent;  // the incoming header when valid, to propagate downstream
  std::vector<std::pair<std::string, std::string>> params;  // path parameters, percent-decoded
  const Route* route = nullptr;  // the matched route, set by Router::dispatch
  // Set by the authentication middleware from the verified access token.
  std::optional<tenancy::Principal> principal;

  // The first value of header `name` (lower case), or empty.
  std::string_view header(std::string_view name) const;
  std::optional<std::string_view> param(std::string_view name) const;
  // The decoded value of query parameter `name`, if present.
  std::optional<std::string> query_param(std::string_view name) const;
  // The same from the body, when it is declared
  // application/x-www-form-urlencoded (else nullopt: a body is read only as
  // what it says it is, the way the input check read it).
  std::optional<std::string> form_param(std::string_view name) const;
  // The declared media type of the body, lower case, without parameters.
  std::string media_type() const;
};

// The decoded value of field `name` in `a=1&b=2` form encoding.
std::optional<std::string> form_field(std::string_view encoded, std::string_view name);
// Decodes %XX escapes (and '+' as a space when `plus_is_space`).
std::string percent_decode(std::string_view text, bool plus_is_space);
// The path of a request target, without the query: origin-form ("/v1/x?q")
// as it is, absolute-form ("https://host/v1/x?q", which RFC 9112 3.2.2 says
// a server must accept) without its scheme and authority. Anything else is
// returned as it is, and matches no route.
std::string_view origin_path(std::string_view target);

bool is_form_media_type(std::string_view media_type);
bool is_json_media_type(std::string_view media_type);  // application/json or */*+json

// A piece of a request that no handler may see: which (a path parameter's,
// query or form field's name, a JSON member, "body") and why.
struct InvalidInput {
  std::string field;
  std::string reason;
};

// The one check of every text input of a request, made by the server before
// any route runs: path parameters, query values, form fields (which must
// also not repeat, RFC 6749 3.2), the strings and member names of a JSON
// body, and any other body as text. Each must be valid UTF-8 without NUL;
// names, and the values of path parameters, must hold no control character.
std::optional<InvalidInput> find_invalid_input(const Request& request);

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

// Adds `Cache-Control: no-store` unless the response already says how it
// may be cached.
void no_store(Response& response);

}  // namespace tenantry::http
