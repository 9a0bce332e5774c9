// Bearer tokens (RFC 6750) checked before any handler runs.
#include "platform/auth/middleware.h"

#include <cctype>
#include <stdexcept>

#include "platform/http/problem.h"

namespace tenantry::auth {
namespace {

bool is_bearer(std::string_view scheme) {
  constexpr std::string_view kBearer = "bearer";
  if (scheme.size() != kBearer.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(scheme[i])) != kBearer[i]) return false;
  }
  return true;
}

// The token of the request's only Authorization header, or why there is
// none usable.
std::optional<std::string_view> bearer_token(const http::Request& request, std::string_view& why) {
  std::optional<std::string_view> value;
  for (const auto& [name, field] : request.headers) {
    if (name != "authorization") continue;
    if (value) {
      why = "several authorization headers";
      return std::nullopt;
    }
    value = field;
  }
  if (!value) {
    why = "no authorization header";
    return std::nullopt;
  }
  if (value->size() > kMaxTokenBytes + 64) {
    why = "authorization header too large";
    return std::nullopt;
  }
  auto space = value->find(' ');
  if (space == std::string_view::npos || !is_bearer(value->substr(0, space))) {
    why = "not a bearer token";
    return std::nullopt;
  }
  auto token = value->substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) {
    why = "empty bearer token";
    return std::nullopt;
  }
  return token;
}

http::Response unauthorized(const http::Request& request, bool had_token) {
  auto response = http::problem(401, "unauthorized", "Unauthorized",
                                "a valid bearer access token is required", request.request_id);
  // Without credentials, RFC 6750 §3.1 says to name no error.
  response.with_header("WWW-Authenticate", had_token
                                               ? R"(Bearer realm="tenantry", error="invalid_token")"
                                               : R"(Bearer realm="tenantry")");
  http::no_store(response);
  return response;
}

http::Response forbidden(const http::Request& request) {
  auto response = http::problem(403, "forbidden", "Forbidden",
                                "your role does not allow this operation", request.request_id);
  http::no_store(response);
  return response;
}

}  // namespace

http::Middleware authentication(KeyStore& keys, VerifyOptions options, base::Logger& logger) {
  return [&keys, options = std::move(options), &logger](const http::Route& route,
                                                        http::Handler next) -> http::Handler {
    const auto* declared = route.middleware.get<RouteAuth>();
    RouteAuth auth = declared ? *declared : RouteAuth{};  // none: a valid token
    if (auth.anonymous && !auth.roles.empty()) {
      throw std::invalid_argument("route " + route.method + " " + route.pattern +
                                  " is anonymous and names roles");
    }
    if (auth.anonymous) return next;
    return [&keys, options, &logger, roles = std::move(auth.roles), next = std::move(next)](
               http::Request& request) -> boost::asio::awaitable<http::Response> {
      std::string_view why;
      auto token = bearer_token(request, why);
      if (!token) {
        logger.log(base::LogLevel::kDebug, "unauthenticated",
                   {{"request_id", request.request_id}, {"reason", why}});
        co_return unauthorized(request, request.header("authorization").size() > 0);
      }
      auto claims = verify(*token, *keys.keys(), options, std::chrono::system_clock::now());
      if (!claims) {
        logger.log(
            base::LogLevel::kDebug, "token refused",
            {{"request_id", request.request_id}, {"reason", token_error_name(claims.error())}});
        co_return unauthorized(request, true);
      }
      request.principal.emplace(
          tenancy::Principal{std::move(claims->subject), claims->tenant, std::move(claims->roles)});
      if (!roles.empty()) {
        bool allowed = false;
        for (const auto& role : roles) allowed |= request.principal->has_role(role);
        if (!allowed) co_return forbidden(request);
      }
      auto response = co_await next(request);
      http::no_store(response);
      co_return response;
    };
  };
}

}  // namespace tenantry::auth
