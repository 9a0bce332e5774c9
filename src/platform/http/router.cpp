// Path-template matching and the middleware chain.
#include "platform/http/router.h"

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
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(segments),
                          std::move(handler), options.access_log, options.anonymous,
                          options.limit_by_client_ip, std::move(options.roles),
                          options.refuse_input, options.max_body_bytes});
}

void Router::use(Middleware middleware) { middleware_.push_back(std::move(middleware)); }

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
  // Not a coroutine itself: without middleware the handler's own awaitable
  // is returned as is, one coroutine frame fewer per request.
  if (middleware_.empty()) return route.handler(request);
  return dispatch_chain(route, request);
}

boost::asio::awaitable<Response> Router::dispatch_chain(const Route& route,
                                                        Request& request) const {
  // Build the chain from the inside out: handler, then middleware last..first.
  Handler next = route.handler;
  for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) {
    next = [&middleware = *it, inner = std::move(next)](Request& req) {
      return middleware(req, inner);
    };
  }
  co_return co_await next(request);
}

}  // namespace tenantry::http
