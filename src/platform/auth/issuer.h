// Issuing tokens. Access tokens: RS256 JWTs signed with the private key of a
// file (a mounted secret; re-read when it changes, like the JWKS, so
// `tenantryctl keys rotate` takes effect without a restart), 15 minutes by
// default. Refresh tokens: opaque, "rt1.<tenant id>.<256 random bits>";
// only their SHA-256 is stored, so a database leak yields no usable token.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "platform/auth/keys.h"
#include "platform/base/reloading_file.h"
#include "platform/tenancy/tenant_id.h"

namespace tenantry::auth {

struct IssuerConfig {
  std::filesystem::path signing_key_file;
  std::string issuer = "tenantry";
  std::string audience = "tenantry-api";
  std::chrono::seconds access_ttl{900};
  std::chrono::seconds refresh_ttl{30 * 24 * 3600};
  std::chrono::milliseconds check_interval{1'000};
};

class TokenIssuer {
 public:
  // Reads the key; throws KeyError("<path>: <reason>") without quoting it.
  TokenIssuer(IssuerConfig config, base::Logger& logger);

  std::string access_token(const std::string& subject, const tenancy::TenantId& tenant,
                           const std::vector<std::string>& roles);
  const IssuerConfig& config() const { return config_; }

 private:
  IssuerConfig config_;
  std::unique_ptr<base::ReloadingFile<SigningKey>> key_;
};

struct RefreshToken {
  std::string token;  // handed to the client once
  std::string hash;   // stored: SHA-256, hex
};
RefreshToken new_refresh_token(const tenancy::TenantId& tenant);
// The tenant a refresh token names, if it has the right shape.
std::optional<tenancy::TenantId> refresh_token_tenant(std::string_view token);
// 256 random bits, base64url: service-account secrets, initial passwords.
std::string random_secret();
// SHA-256, hex: how high-entropy secrets (refresh tokens, service-account
// secrets) are stored.
std::string sha256_hex(std::string_view text);
// Compares two stored hashes in constant time.
bool same_hash(std::string_view a, std::string_view b);

}  // namespace tenantry::auth
