// base64url without padding (RFC 4648 §5), as JWTs and JWKS use it. Decoding
// is strict: padding, whitespace, characters outside the alphabet and
// non-zero trailing bits are refused, so one token has one encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenantry::auth {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tenantry::auth
