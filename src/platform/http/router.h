// Routing by method and path template ("/v1/projects/{id}"), and the
// middleware chain that wraps every matched handler (auth, tenant, rate
// limit are added by later layers through `use`).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/http/message.h"

namespace tenantry::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
using Middleware = std::function<boost::asio::awaitable<Response>(Request&, const Handler& next)>;
// The answer to a request that find_invalid_input refused (by default a 400
// problem+json "invalid-input" naming the field).
using InputRefusal = Response (*)(const Request&, const InvalidInput&);
Response invalid_input_problem(const Request& request, const InvalidInput& bad);

struct Route {
  std::string method;
  std::string pattern;  // also the metrics label: bounded cardinality
  std::vector<std::string> segments;
  Handler handler;
  bool access_log = true;  // false for health checks polled by the load balancer
  bool anonymous = false;
  bool limit_by_client_ip = false;
  std::vector<std::string> roles;
  InputRefusal refuse_input = invalid_input_problem;
  std::size_t max_body_bytes = 0;  // 0: the server's default (ServerLimits)
};

// Who may call a route is declared with it, in one place. By default a
// route needs a valid access token (the authentication middleware); with
// `roles`, the token must hold one of them (else 403). `anonymous` routes
// (health checks, sign-in) need none. `limit_by_client_ip` routes (sign-in)
// are rate-limited per client address.
struct RouteOptions {
  bool access_log = true;
  bool anonymous = false;
  bool limit_by_client_ip = false;
  std::vector<std::string> roles;
  // How this route answers input that is not clean text (e.g. RFC 6749's
  // invalid_request on the token endpoint).
  InputRefusal refuse_input = invalid_input_problem;
  // The largest body this route reads (0: the server's default). Checked
  // once the header is in, before the body is read or 100-continue sent.
  std::size_t max_body_bytes = 0;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;  // for kMethodNotAllowed: the methods the path accepts
};

class Router {
 public:
  // Throws std::invalid_argument for a malformed pattern or a duplicate route
  // (a programming error caught at start-up).
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  // Middleware runs in the order added, outermost first.
  void use(Middleware middleware);

  RouteMatch match(std::string_view method, std::string_view path) const;
  // Runs the middleware chain around the matched route's handler.
  boost::asio::awaitable<Response> dispatch(const Route& route, Request& request) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  boost::asio::awaitable<Response> dispatch_chain(const Route& route, Request& request) const;

  std::vector<Route> routes_;
  std::vector<Middleware> middleware_;
};

}  // namespace tenantry::http
