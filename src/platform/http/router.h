// Routing by method and path template ("/v1/projects/{id}"), and the
// middleware chain around each route's handler, composed once when the
// route is added. A route's options for a middleware are that middleware's
// own type (auth::RouteAuth, ratelimit::ClientIpLimit), which this core
// stores and never reads.
#pragma once

#include <any>
#include <boost/asio/awaitable.hpp>
#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "platform/http/message.h"

namespace tenantry::http {

struct Route;
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
// A middleware wraps the handler of every route added after it (`use`).
// It is called once per route, by Router::add, with the route (whose
// MiddlewareConfigs it reads then, not per request) and the handler inside
// it; it returns the handler to run instead, or `next` itself when it has
// nothing to do on this route. It may throw std::invalid_argument for a
// route config it refuses.
using Middleware = std::function<Handler(const Route& route, Handler next)>;
// The answer to a request that find_invalid_input refused (by default a 400
// problem+json "invalid-input" naming the field).
using InputRefusal = Response (*)(const Request&, const InvalidInput&);
Response invalid_input_problem(const Request& request, const InvalidInput& bad);

class MiddlewareConfigs;
// Any copyable type can be a middleware's per-route config. The same_as
// test comes first: it stops the check before copy_constructible asks it
// again of MiddlewareConfigs itself (clang recurses without end there).
template <class T>
concept MiddlewareConfig =
    !std::same_as<std::remove_cvref_t<T>, MiddlewareConfigs> && std::copy_constructible<T>;

// A route's typed configs for its middleware, at most one of each type.
// Each one must be read by a middleware of the route's router: a config
// that nothing reads (a typo'd router, a middleware not installed) makes
// Router::add throw, so a declared restriction cannot silently fall away.
class MiddlewareConfigs {
 public:
  MiddlewareConfigs() = default;
  // MiddlewareConfigs{auth::RouteAuth{...}, ratelimit::ClientIpLimit{}}
  template <MiddlewareConfig... Config>
  MiddlewareConfigs(Config... configs) {  // NOLINT(google-explicit-constructor): braced lists
    (add(std::move(configs)), ...);
  }

  // Throws std::invalid_argument when there is already a Config.
  template <MiddlewareConfig Config>
  void add(Config config) {
    if (find(typeid(Config))) refuse_duplicate(typeid(Config));
    entries_.push_back(Entry{std::any(std::move(config))});
  }
  // The Config, or null when the route declares none.
  template <class Config>
  const Config* get() const {
    const Entry* entry = find(typeid(Config));
    if (!entry) return nullptr;
    // Written only before Router::add has checked the route: after that
    // every flag is set, so calls from request threads only read.
    if (!entry->read) entry->read = true;
    return std::any_cast<Config>(&entry->value);
  }

  // The type of a config that no get() has asked for, or null.
  const std::type_info* first_unread() const;

 private:
  struct Entry {
    std::any value;
    mutable bool read = false;  // asked for by get()
  };
  const Entry* find(const std::type_info& type) const;
  [[noreturn]] static void refuse_duplicate(const std::type_info& type);

  std::vector<Entry> entries_;
};

struct Route {
  std::string method;
  std::string pattern;  // also the metrics label: bounded cardinality
  std::vector<std::string> segments;
  // The route's handler inside the router's middleware (composed by add).
  Handler handler;
  bool access_log = true;  // false for health checks polled by the load balancer
  InputRefusal refuse_input = invalid_input_problem;
  std::size_t max_body_bytes = 0;  // 0: the server's default (ServerLimits)
  MiddlewareConfigs middleware;
};

// The HTTP core's own options of a route, and its middleware's configs.
// Who may call a route is its auth::RouteAuth (none: a valid access token).
struct RouteOptions {
  bool access_log = true;
  // How this route answers input that is not clean text (e.g. RFC 6749's
  // invalid_request on the token endpoint).
  InputRefusal refuse_input = invalid_input_problem;
  // The largest body this route reads (0: the server's default). Checked
  // once the header is in, before the body is read or 100-continue sent.
  std::size_t max_body_bytes = 0;
  MiddlewareConfigs middleware;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  std::string allow;  // for kMethodNotAllowed: the methods the path accepts
};

class Router {
 public:
  // Middleware runs in the order added, outermost first. All of it comes
  // before the first route: `use` after `add` throws std::logic_error.
  void use(Middleware middleware);
  // Composes the route's chain, once. Throws std::invalid_argument for a
  // malformed pattern, a duplicate route, a config that no middleware
  // reads or that its middleware refuses (programming errors caught at
  // start-up).
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  RouteMatch match(std::string_view method, std::string_view path) const;
  // Runs the route's composed chain.
  boost::asio::awaitable<Response> dispatch(const Route& route, Request& request) const;

  // A deque: the routes stay where they are as more are added (matches and
  // middleware keep pointers to them).
  const std::deque<Route>& routes() const { return routes_; }

 private:
  std::deque<Route> routes_;
  std::vector<Middleware> middleware_;
};

}  // namespace tenantry::http
