#include "support/tokens.h"

#include <chrono>
#include <fstream>

#include "platform/auth/jwt.h"

namespace tenantry::testing {

TestKeys::TestKeys(const std::filesystem::path& dir)
    : key_(auth::SigningKey::generate()),
      jwks_path_(dir / "jwks.json"),
      signing_key_path_(dir / "signing-key.pem") {
  std::ofstream(jwks_path_) << auth::jwks_document({key_.public_jwk()});
  std::ofstream(signing_key_path_) << key_.private_pem();
  std::filesystem::permissions(
      signing_key_path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

boost::json::object TestKeys::claims() {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return {{"iss", kTestIssuer},  {"aud", kTestAudience}, {"sub", "user-1"}, {"tid", kTestTenant},
          {"roles", {"member"}}, {"iat", now},           {"exp", now + 900}};
}

std::string TestKeys::token(const boost::json::object& claims) const {
  return auth::sign(key_, boost::json::serialize(claims));
}

}  // namespace tenantry::testing
