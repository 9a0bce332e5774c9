// The socket-free steps of reading a request.
#include "platform/http/request_reader.h"

#include <boost/beast/http/error.hpp>
#include <cctype>
#include <limits>

#include "platform/base/request_id.h"

namespace tenantry::http {

namespace bhttp = boost::beast::http;

void prepare_parser(RequestParser& parser, std::size_t max_header_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.eager(false);
}

void parse_buffered(RequestParser& parser, boost::beast::flat_buffer& buffer,
                    boost::system::error_code& ec) {
  while (buffer.size() > 0 && !parser.is_done() && !ec) {
    auto used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    // Beast takes the same bytes again only with more after them (fed
    // alone, a chunk header cut short trips its assertion).
    if (ec == bhttp::error::need_more) {
      ec = {};
      return;
    }
    if (ec || used == 0) return;
    if (!parser.eager() && parser.is_header_done()) return;
  }
}

RouteMatch route_for_body(RequestParser& parser, const Router& router, std::size_t default_limit,
                          std::size_t& body_limit, boost::system::error_code& ec) {
  auto match = router.match(parser.get().method_string(), origin_path(parser.get().target()));
  body_limit = default_limit;
  if (match.kind == RouteMatch::Kind::kFound && match.route->max_body_bytes != 0) {
    body_limit = match.route->max_body_bytes;
  }
  auto length = parser.content_length();
  if (length && *length > body_limit) ec = bhttp::error::body_limit;
  parser.body_limit(body_limit);
  return match;
}

void fill_request(Request& request, BeastRequest& message) {
  request.method = std::string(message.method_string());
  auto target = std::string_view(message.target());
  request.path = std::string(origin_path(target));
  if (auto qmark = target.find('?'); qmark != std::string_view::npos) {
    request.query = std::string(target.substr(qmark + 1));
  }
  request.headers.reserve(std::distance(message.begin(), message.end()));
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  auto id_count = message.count("X-Request-ID");
  auto incoming_id = request.header("x-request-id");
  request.request_id = id_count == 1 && base::is_valid_request_id(incoming_id)
                           ? std::string(incoming_id)
                           : base::generate_request_id();
  if (auto trace = base::parse_traceparent(request.header("traceparent"))) {
    request.trace_id = std::move(trace->trace_id);
    request.traceparent = std::string(request.header("traceparent"));
  } else {
    request.trace_id = base::generate_trace_id();
  }
}

}  // namespace tenantry::http
