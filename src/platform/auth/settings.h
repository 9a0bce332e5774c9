// Access tokens' and password hashing's settings: declared once, read into
// their configs.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "platform/auth/issuer.h"
#include "platform/auth/jwt.h"
#include "platform/auth/passwords.h"
#include "platform/base/config.h"

namespace tenantry::auth {

struct TokenConfig {
  // The JWKS file of verification keys, checked for changes every
  // jwks_check_interval, and the claims required.
  std::string jwks_file;
  std::chrono::milliseconds jwks_check_interval{1'000};
  VerifyOptions verify;
  // Issuance (POST /v1/auth/token), when a signing key file is set.
  std::optional<IssuerConfig> issuer;
};

base::SettingGroup token_settings();
base::SettingGroup password_settings();
// Throw base::ConfigError naming the first bad variable.
TokenConfig read_token_config(const base::EnvReader& env);
PasswordHasherConfig read_password_hasher_config(const base::EnvReader& env);

}  // namespace tenantry::auth
