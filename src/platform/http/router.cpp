// Path-template matching, and each route's middleware chain composed when
// it is added.
#include "platform/http/router.h"

#include <boost/core/demangle.hpp>
#include <stdexcept>

#include "platform/http/problem.h"

namespace tenantry::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

const MiddlewareConfigs::Entry* MiddlewareConfigs::find(const std::type_info& type) const {
  for (const auto& entry : entries_) {
    if (entry.value.type() == type) return &entry;
  }
  return nullptr;
}

const std::type_info* MiddlewareConfigs::first_unread() const {
  for (const auto& entry : entries_) {
    if (!entry.read) return &entry.value.type();
  }
  return nullptr;
}

void MiddlewareConfigs::refuse_duplicate(const std::type_info& type) {
  throw std::invalid_argument("a route declares " + boost::core::demangle(type.name()) + " twice");
}

void Router::use(Middleware middleware) {
  // A route's chain is composed when it is added, so middleware that came
  // later would be missing from it.
  if (!routes_.empty()) throw std::logic_error("Router::use after a route was added");
  middleware_.push_back(std::move(middleware));
}

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  std::vector<std::string> segments;
  for (auto part : split_path(pattern)) {
    if (part.find_first_of("{}") != std::string_view::npos && !is_param(part)) {
      throw std::invalid_argument("malformed path parameter in route: " + pattern);
    }
    segments.emplace_back(part);
  }
  for (const auto& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      throw std::invalid_argument("duplicate route: " + method + " " + pattern);
    }
  }
  // In place first: a middleware may keep a pointer to the route it wraps.
  auto& route = routes_.emplace_back(
      Route{std::move(method), std::move(pattern), std::move(segments), nullptr, options.access_log,
            options.refuse_input, options.max_body_bytes, std::move(options.middleware)});
  try {
    // From the inside out: the handler, then middleware last..first.
    for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) {
      handler = (*it)(route, std::move(handler));
      if (!handler) throw std::logic_error("a middleware returned no handler for " + route.pattern);
    }
    if (const auto* unread = route.middleware.first_unread()) {
      throw std::invalid_argument("route " + route.method + " " + route.pattern + " declares " +
                                  boost::core::demangle(unread->name()) +
                                  ", which no middleware of its router reads");
    }
  } catch (...) {
    routes_.pop_back();
    throw;
  }
  route.handler = std::move(handler);
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  if (path.empty() || path.front() != '/') return result;
  auto parts = split_path(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    std::vector<std::pair<std::string, std::string>> params;
    bool matched = true;
    for (std::size_t i = 0; i < parts.size() && matched; ++i) {
      const auto& segment = route.segments[i];
      if (is_param(segment)) {
        if (parts[i].empty())
          matched = false;
        else
          params.emplace_back(segment.substr(1, segment.size() - 2),
                              percent_decode(parts[i], /*plus_is_space=*/false));
      } else {
        matched = segment == parts[i];
      }
    }
    if (!matched) continue;
    bool method_ok = route.method == method || (method == "HEAD" && route.method == "GET");
    if (method_ok) {
      result.kind = RouteMatch::Kind::kFound;
      result.route = &route;
      result.params = std::move(params);
      return result;
    }
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += route.method;
  }
  return result;
}

Response invalid_input_problem(const Request& request, const InvalidInput& bad) {
  return problem(400, "invalid-input", "Bad Request", bad.field + ": " + bad.reason,
                 request.request_id);
}

boost::asio::awaitable<Response> Router::dispatch(const Route& route, Request& request) const {
  request.route = &route;
  // Not a coroutine itself: the outermost layer's awaitable is returned as
  // is. Composing the chain here, per request, cost a coroutine frame and a
  // std::function copy per middleware on every request.
  return route.handler(request);
}

}  // namespace tenantry::http
