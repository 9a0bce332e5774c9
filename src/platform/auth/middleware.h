// The HTTP side of authentication: every route that is not anonymous needs
// `Authorization: Bearer <access token>`; the verified claims become the
// request's principal, and the route's declared roles (RouteOptions::roles,
// next to the route) decide 403. Every refusal is the same 401
// problem+json with `WWW-Authenticate: Bearer ...` (RFC 6750): the reason
// goes to the debug log, never to the client.
#pragma once

#include "platform/auth/jwt.h"
#include "platform/auth/key_store.h"
#include "platform/http/router.h"

namespace tenantry::auth {

http::Middleware authentication(KeyStore& keys, VerifyOptions options, base::Logger& logger);

}  // namespace tenantry::auth
