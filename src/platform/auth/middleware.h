// The HTTP side of authentication: every route that is not anonymous needs
// `Authorization: Bearer <access token>`; the verified claims become the
// request's principal, and the roles the route declares (its RouteAuth,
// next to the route) decide 403. Every refusal is the same 401
// problem+json with `WWW-Authenticate: Bearer ...` (RFC 6750): the reason
// goes to the debug log, never to the client.
#pragma once

#include <string>
#include <vector>

#include "platform/auth/jwt.h"
#include "platform/auth/key_store.h"
#include "platform/http/router.h"

namespace tenantry::auth {

// Who may call a route, declared with it:
//   router.add("GET", "/v1/users", list, {.middleware = {auth::RouteAuth{.roles = kManagers}}});
// A route without one needs a valid access token, as does one with empty
// `roles`. With `roles`, the token must hold one of them (else 403).
// `anonymous` routes (health checks, sign-in) need none, and cannot also
// name roles (Router::add throws).
struct RouteAuth {
  bool anonymous = false;
  std::vector<std::string> roles;
};

// On each route that needs a token, the responses that pass through it
// (refusals included) carry `Cache-Control: no-store`: what a credential
// unlocked is never stored by a cache on the way.
http::Middleware authentication(KeyStore& keys, VerifyOptions options, base::Logger& logger);

}  // namespace tenantry::auth
