// Request correlation: X-Request-ID rules and W3C traceparent parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenantry::base {

constexpr std::size_t kMaxRequestIdLength = 128;

// A client-supplied X-Request-ID is kept only if it is 1..128 characters of
// [A-Za-z0-9._:-]; anything else could inject into logs or headers.
bool is_valid_request_id(std::string_view id);

// A random UUIDv4 in its canonical 36-character form.
std::string generate_request_id();

struct TraceContext {
  std::string trace_id;   // 32 lowercase hex digits
  std::string parent_id;  // 16 lowercase hex digits
  std::string flags;      // 2 lowercase hex digits
};

// Parses a W3C traceparent header (version 00 layout; future versions are
// accepted if they start with the same fields). nullopt when invalid.
std::optional<TraceContext> parse_traceparent(std::string_view header);

// A fresh random trace id (32 hex digits) for requests that bring none.
std::string generate_trace_id();

}  // namespace tenantry::base
