// Signing keys and access tokens for tests, generated at test time (no key
// is ever committed): a fresh RSA key, its JWKS file, and tokens with the
// claims a replica requires, any of which a test can override or remove.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "platform/auth/keys.h"

namespace tenantry::testing {

constexpr const char* kTestIssuer = "tenantry";
constexpr const char* kTestAudience = "tenantry-api";
constexpr const char* kTestTenant = "00000000-0000-4000-8000-00000000000a";

class TestKeys {
 public:
  // Generates a key; writes `dir`/jwks.json with its public half and
  // `dir`/signing-key.pem (mode 0600) with the private key.
  explicit TestKeys(const std::filesystem::path& dir);

  const auth::SigningKey& key() const { return key_; }
  const std::filesystem::path& jwks_path() const { return jwks_path_; }
  const std::filesystem::path& signing_key_path() const { return signing_key_path_; }

  // Default claims: iss, aud, sub "user-1", tid kTestTenant, roles
  // ["member"], iat now, exp in 15 minutes.
  static boost::json::object claims();
  // `claims` signed with this key (RS256, kid = the key's).
  std::string token(const boost::json::object& claims = TestKeys::claims()) const;

 private:
  auth::SigningKey key_;
  std::filesystem::path jwks_path_;
  std::filesystem::path signing_key_path_;
};

}  // namespace tenantry::testing
