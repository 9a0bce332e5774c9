// Reading one request out of bytes already received, without a socket: the
// server's own steps (the header first, then the route's body limit, then
// the body, then the http::Request), shared with the HTTP fuzz target so
// that it exercises this code rather than a copy. Holds Boost.Beast types:
// include it from server.cpp and the fuzz target only.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>

#include "platform/http/router.h"

namespace tenantry::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// A parser with the header limit set and no body limit yet: the body limit
// is the route's, known once the header names the route (route_for_body).
// Not eager: parse_buffered stops after the header.
void prepare_parser(RequestParser& parser, std::size_t max_header_bytes);

// Feeds what `buffer` holds to `parser`, consuming what it took. Stops when
// the request is done, on an error, when Beast needs bytes that have not
// arrived (need_more is not an error: the caller reads more), or, while the
// parser is not eager, once the header is done.
void parse_buffered(RequestParser& parser, boost::beast::flat_buffer& buffer,
                    boost::system::error_code& ec);

// Once the header is in: the route it names, and in `body_limit` the limit
// that applies (the route's, else `default_limit`), set on the parser for a
// chunked body. A Content-Length above it sets `ec` to body_limit, so the
// request is refused before a byte of its body is read.
RouteMatch route_for_body(RequestParser& parser, const Router& router, std::size_t default_limit,
                          std::size_t& body_limit, boost::system::error_code& ec);

// What the message itself says, into `request`: method, path and query
// (absolute-form targets by their path), headers (names lower case), the
// body (moved out), the request id (the incoming X-Request-ID when there is
// exactly one and it is valid, else a new one) and the trace id.
void fill_request(Request& request, BeastRequest& message);

}  // namespace tenantry::http
