// Compact JWS with RS256: split, decode, check the header, verify the
// signature with OpenSSL's EVP, then check the claims.
#include "platform/auth/jwt.h"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "platform/auth/base64url.h"

namespace tenantry::auth {
namespace {

namespace json = boost::json;
using Outcome = boost::system::result<Claims, TokenError>;

// A JSON object decoded from a base64url part, with a small nesting bound.
std::optional<json::object> decode_object(std::string_view part) {
  auto bytes = base64url_decode(part);
  if (!bytes) return std::nullopt;
  json::parse_options options;
  options.max_depth = 8;
  boost::system::error_code ec;
  auto value = json::parse(*bytes, ec, {}, options);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

bool signature_valid(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
  // Fetched once: OpenSSL 3 looks EVP_sha256() up in its providers on
  // every use, a quarter of the cost of a verification.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  return context && sha256 &&
         EVP_DigestVerifyInit(context.get(), nullptr, sha256, nullptr, key) == 1 &&
         EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()),
                          signed_part.size()) == 1;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// A NumericDate: a JSON number of seconds (fractions allowed), between the
// epoch and the year 33658 (so that it converts to an integer safely);
// NaN when present but not such a number.
std::optional<double> numeric_date(const json::object& claims, std::string_view name) {
  auto* value = claims.if_contains(name);
  if (!value) return std::nullopt;
  double seconds = std::nan("");
  if (value->is_int64()) seconds = static_cast<double>(value->as_int64());
  if (value->is_uint64()) seconds = static_cast<double>(value->as_uint64());
  if (value->is_double()) seconds = value->as_double();
  if (!(seconds >= 0 && seconds < 1e12)) return std::nan("");
  return seconds;
}

const json::string* string_claim(const json::object& claims, std::string_view name) {
  auto* value = claims.if_contains(name);
  return value && value->is_string() ? &value->as_string() : nullptr;
}

Outcome check_claims(const json::object& claims, const VerifyOptions& options, double now) {
  double leeway = static_cast<double>(options.leeway.count());
  auto exp = numeric_date(claims, "exp");
  if (!exp || std::isnan(*exp)) return TokenError::kClaims;
  if (now >= *exp + leeway) return TokenError::kExpired;
  for (auto name : {"nbf", "iat"}) {
    if (auto at = numeric_date(claims, name)) {
      if (std::isnan(*at)) return TokenError::kClaims;
      if (*at > now + leeway) return TokenError::kNotYetValid;
    }
  }
  auto* iss = string_claim(claims, "iss");
  if (!iss || *iss != options.issuer) return TokenError::kIssuer;
  auto* aud = claims.if_contains("aud");
  bool audience = false;
  if (aud && aud->is_string()) audience = aud->as_string() == options.audience;
  if (aud && aud->is_array()) {
    for (const auto& entry : aud->as_array())
      audience |= entry.is_string() && entry.as_string() == options.audience;
  }
  if (!audience) return TokenError::kAudience;

  auto* sub = string_claim(claims, "sub");
  auto* tid = string_claim(claims, "tid");
  auto* roles = claims.if_contains("roles");
  if (!sub || sub->empty() || !tid || !roles || !roles->is_array()) return TokenError::kClaims;
  auto tenant = tenancy::TenantId::parse(*tid);
  if (!tenant) return TokenError::kClaims;
  Claims out{std::string(*sub), *tenant, {}, static_cast<std::int64_t>(*exp)};
  for (const auto& role : roles->as_array()) {
    if (!role.is_string()) return TokenError::kClaims;
    out.roles.emplace_back(role.as_string());
  }
  return out;
}

}  // namespace

std::string_view token_error_name(TokenError error) {
  switch (error) {
    case TokenError::kMalformed: return "malformed";
    case TokenError::kAlgorithm: return "algorithm";
    case TokenError::kHeader: return "header";
    case TokenError::kUnknownKey: return "unknown_key";
    case TokenError::kSignature: return "signature";
    case TokenError::kExpired: return "expired";
    case TokenError::kNotYetValid: return "not_yet_valid";
    case TokenError::kIssuer: return "issuer";
    case TokenError::kAudience: return "audience";
    case TokenError::kClaims: return "claims";
  }
  return "malformed";
}

Outcome verify(std::string_view token, const KeySet& keys, const VerifyOptions& options,
               std::chrono::system_clock::time_point now) {
  if (token.empty() || token.size() > kMaxTokenBytes) return TokenError::kMalformed;
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return TokenError::kMalformed;
  auto header_part = token.substr(0, first);
  auto payload_part = token.substr(first + 1, second - first - 1);
  auto signature_part = token.substr(second + 1);

  auto header = decode_object(header_part);
  if (!header) return TokenError::kMalformed;
  auto* alg = string_claim(*header, "alg");
  if (!alg || *alg != "RS256") return TokenError::kAlgorithm;
  for (auto refused : {"crit", "jku", "x5u", "jwk", "x5c"}) {
    if (header->contains(refused)) return TokenError::kHeader;
  }
  if (auto* typ = header->if_contains("typ")) {
    if (!typ->is_string() || (!equals_ignoring_case(typ->as_string(), "JWT") &&
                              !equals_ignoring_case(typ->as_string(), "at+jwt")))
      return TokenError::kHeader;
  }
  auto* kid = string_claim(*header, "kid");
  EVP_PKEY* key = kid ? keys.find(*kid) : nullptr;
  if (!key) return TokenError::kUnknownKey;

  auto signature = base64url_decode(signature_part);
  if (!signature) return TokenError::kMalformed;
  if (!signature_valid(key, token.substr(0, second), *signature)) return TokenError::kSignature;

  auto claims = decode_object(payload_part);
  if (!claims) return TokenError::kMalformed;
  double seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  return check_claims(*claims, options, seconds);
}

std::string sign(const SigningKey& key, std::string_view claims_json) {
  json::object header{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", key.kid()}};
  auto signing_input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(claims_json);
  return signing_input + "." + base64url_encode(key.sign(signing_input));
}

void throw_exception_from_error(TokenError error, const boost::source_location&) {
  throw std::logic_error("token refused (" + std::string(token_error_name(error)) +
                         ") and its claims used anyway");
}

}  // namespace tenantry::auth
