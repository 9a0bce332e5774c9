// Verifying access tokens: JWTs signed with RS256 and nothing else, as RFC
// 8725 advises. The algorithm is fixed here, never taken from the token;
// the key is chosen by `kid` from the configured key set only (`jku`, `x5u`,
// `jwk` and `x5c` headers are refused, not followed); `crit` is refused
// since no extension is understood. Verification is stateless: nothing
// about a token is remembered.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/auth/keys.h"
#include "platform/tenancy/tenant_id.h"

namespace tenantry::auth {

struct VerifyOptions {
  std::string issuer;
  std::string audience;
  std::chrono::seconds leeway{30};  // for exp, nbf and iat: clocks differ
};

// Why a token was refused: for logs and metrics labels, never for clients
// (they all get the same invalid_token answer).
enum class TokenError {
  kMalformed,    // not three base64url parts of JSON objects, or too large
  kAlgorithm,    // alg other than RS256
  kHeader,       // crit, jku, x5u, jwk, x5c, or a typ other than JWT / at+jwt
  kUnknownKey,   // no kid, or a kid not in the key set
  kSignature,    // the signature does not verify
  kExpired,      // exp in the past (beyond the leeway)
  kNotYetValid,  // nbf or iat in the future (beyond the leeway)
  kIssuer,       // iss is not the configured issuer
  kAudience,     // aud does not name the configured audience
  kClaims,       // sub, tid (a UUID) or roles missing or of the wrong type
};
std::string_view token_error_name(TokenError error);

struct Claims {
  std::string subject;
  tenancy::TenantId tenant;
  std::vector<std::string> roles;
  std::int64_t expires_at = 0;  // seconds since the Unix epoch
};

// Tokens longer than this are refused before any decoding.
constexpr std::size_t kMaxTokenBytes = 8 * 1024;

boost::system::result<Claims, TokenError> verify(std::string_view token, const KeySet& keys,
                                                 const VerifyOptions& options,
                                                 std::chrono::system_clock::time_point now);

// A compact RS256 JWT of `claims_json` (a JSON object), with header
// {"alg":"RS256","typ":"JWT","kid":<key's kid>}.
std::string sign(const SigningKey& key, std::string_view claims_json);

[[noreturn]] void throw_exception_from_error(TokenError error, const boost::source_location&);

}  // namespace tenantry::auth
