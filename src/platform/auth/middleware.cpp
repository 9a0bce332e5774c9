// Bearer tokens (RFC 6750) checked before any handler runs.
#include "platform/auth/middleware.h"

#include <cctype>

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
  return response;
}

}  // namespace

http::Middleware authentication(KeyStore& keys, VerifyOptions options, base::Logger& logger) {
  return [&keys, options = std::move(options), &logger](
             http::Request& request,
             const http::Handler& next) -> boost::asio::awaitable<http::Response> {
    const http::Route* route = request.route;
    if (route == nullptr || route->anonymous) co_return co_await next(request);

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
    if (!route->roles.empty()) {
      bool allowed = false;
      for (const auto& role : route->roles) allowed |= request.principal->has_role(role);
      if (!allowed) {
        co_return http::problem(403, "forbidden", "Forbidden",
                                "your role does not allow this operation", request.request_id);
      }
    }
    co_return co_await next(request);
  };
}

}  // namespace tenantry::auth
