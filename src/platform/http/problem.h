// RFC 9457 problem details: every error the API returns has this shape.
#pragma once

#include <string_view>

#include "platform/http/message.h"

namespace tenantry::http {

// `type` is a short slug (e.g. "not-found"), published as
// "https://tenantry.dev/problems/<type>". `request_id` is echoed in the body
// so that a user can quote it to an operator.
Response problem(unsigned status, std::string_view type, std::string_view title,
                 std::string_view detail, std::string_view request_id);

// 503 "overloaded" with Retry-After: 1, the one answer to every bound that
// is full (requests in flight, the password-hashing queue): `detail` says
// which.
Response overloaded(std::string_view detail, std::string_view request_id);

}  // namespace tenantry::http
