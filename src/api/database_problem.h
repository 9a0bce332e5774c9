// How a handler answers a database error it does not handle itself.
#pragma once

#include "platform/db/error.h"
#include "platform/http/message.h"

namespace tenantry::api {

// PostgreSQL unreachable, the pool exhausted or a timeout: 503 problem+json
// with Retry-After, so clients and the load balancer back off. A suspended
// tenant: 403 problem+json "tenant-suspended". A parameter holding a NUL
// or a value its column type refuses: 400 "invalid-input". Any other
// error is a bug: throws std::logic_error, which the server answers with a
// 500 and logs with the request id. Handlers deal with the errors they
// expect (a unique violation as 409, say) before calling this.
http::Response database_problem(const db::Error& error, const http::Request& request);

}  // namespace tenantry::api
