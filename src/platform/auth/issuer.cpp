// Signing access tokens and making refresh tokens.
#include "platform/auth/issuer.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <boost/json.hpp>

#include "platform/auth/base64url.h"
#include "platform/base/hex.h"
#include "platform/auth/jwt.h"

namespace tenantry::auth {

namespace json = boost::json;

TokenIssuer::TokenIssuer(IssuerConfig config, base::Logger& logger) : config_(std::move(config)) {
  try {
    key_ = std::make_unique<base::ReloadingFile<SigningKey>>(
        config_.signing_key_file, config_.check_interval,
        [](const std::string& pem) { return SigningKey::from_pem(pem); }, logger);
  } catch (const std::runtime_error& e) {
    throw KeyError(e.what());
  }
}

std::string TokenIssuer::access_token(const std::string& subject, const tenancy::TenantId& tenant,
                                      const std::vector<std::string>& roles) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  json::array role_array;
  for (const auto& role : roles) role_array.emplace_back(role);
  json::object claims{{"iss", config_.issuer},
                      {"aud", config_.audience},
                      {"sub", subject},
                      {"tid", tenant.str()},
                      {"roles", std::move(role_array)},
                      {"iat", now},
                      {"exp", now + config_.access_ttl.count()}};
  return sign(*key_->get(), json::serialize(claims));
}

std::string random_secret() {
  unsigned char secret[32];
  if (RAND_bytes(secret, sizeof secret) != 1) throw std::runtime_error("no randomness");
  return base64url_encode(std::string_view(reinterpret_cast<char*>(secret), sizeof secret));
}

RefreshToken new_refresh_token(const tenancy::TenantId& tenant) {
  RefreshToken out;
  out.token = "rt1." + tenant.str() + "." + random_secret();
  out.hash = sha256_hex(out.token);
  return out;
}

bool same_hash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<tenancy::TenantId> refresh_token_tenant(std::string_view token) {
  if (!token.starts_with("rt1.") || token.size() != 4 + 36 + 1 + 43 || token[40] != '.')
    return std::nullopt;
  return tenancy::TenantId::parse(token.substr(4, 36));
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base::hex(digest);
}

}  // namespace tenantry::auth
