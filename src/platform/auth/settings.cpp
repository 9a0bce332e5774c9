// Access tokens' and password hashing's settings and their reading.
#include "platform/auth/settings.h"

#include <algorithm>

namespace tenantry::auth {
namespace {

using base::SettingType;

constexpr base::Setting kTokenSettings[] = {
    {.name = "TENANTRY_JWKS_FILE",
     .type = SettingType::kFile,
     .help = "JWKS document of the access-token verification keys; re-read when it changes, and "
             "on SIGHUP",
     .required = true},
    {"TENANTRY_JWKS_CHECK_MS", SettingType::kDuration, "1000",
     "how often (at most) the JWKS file is checked for a change: the staleness bound of key "
     "rotation",
     10, 60'000},
    {"TENANTRY_JWT_ISSUER", SettingType::kText, "tenantry", "required `iss`"},
    {"TENANTRY_JWT_AUDIENCE", SettingType::kText, "tenantry-api", "required in `aud`"},
    {"TENANTRY_JWT_LEEWAY_S", SettingType::kInteger, "30",
     "clock skew allowed for `exp`, `nbf`, `iat`, in seconds", 0, 120},
    {"TENANTRY_JWT_SIGNING_KEY_FILE", SettingType::kFile, "",
     "PEM private key that signs access tokens; when set, the replica serves `POST "
     "/v1/auth/token` and `/v1/auth/revoke` (re-read when it changes, like the JWKS)"},
    {"TENANTRY_ACCESS_TOKEN_TTL_S", SettingType::kInteger, "900",
     "access-token lifetime, in seconds", 60, 86'400},
    {"TENANTRY_REFRESH_TOKEN_TTL_S", SettingType::kInteger, "2592000",
     "refresh-token lifetime, in seconds (30 days); each is single-use", 300, 365 * 86'400},
};

constexpr base::Setting kPasswordSettings[] = {
    {"TENANTRY_PASSWORD_HASH_THREADS", SettingType::kInteger, "cores − 1 (at least 1)",
     "threads for argon2id (64 MiB and tens of ms each), apart from the request threads", 1, 64},
    {"TENANTRY_PASSWORD_HASH_MAX_PENDING", SettingType::kInteger, "64",
     "sign-ins waiting for those threads; beyond, 503", 1, 100'000},
    {"TENANTRY_PASSWORD_HASH_MAX_PENDING_PER_SOURCE", SettingType::kInteger, "max pending ÷ 4",
     "hashes one tenant or one client address may have queued; beyond it, or beyond "
     "`TENANTRY_PASSWORD_HASH_MAX_PENDING`, 503 with `Retry-After`",
     1, 100'000},
};

}  // namespace

base::SettingGroup token_settings() { return {"Access tokens", kTokenSettings}; }
base::SettingGroup password_settings() { return {"Password hashing", kPasswordSettings}; }

TokenConfig read_token_config(const base::EnvReader& env) {
  TokenConfig config;
  config.jwks_file = env.text("TENANTRY_JWKS_FILE");
  config.jwks_check_interval = env.millis("TENANTRY_JWKS_CHECK_MS");
  config.verify.issuer = env.text("TENANTRY_JWT_ISSUER");
  config.verify.audience = env.text("TENANTRY_JWT_AUDIENCE");
  config.verify.leeway = std::chrono::seconds(env.integer("TENANTRY_JWT_LEEWAY_S"));
  if (auto key = env.optional("TENANTRY_JWT_SIGNING_KEY_FILE")) {
    IssuerConfig issuer;
    issuer.signing_key_file = *key;
    issuer.issuer = config.verify.issuer;
    issuer.audience = config.verify.audience;
    issuer.access_ttl = std::chrono::seconds(env.integer("TENANTRY_ACCESS_TOKEN_TTL_S"));
    issuer.refresh_ttl = std::chrono::seconds(env.integer("TENANTRY_REFRESH_TOKEN_TTL_S"));
    issuer.check_interval = config.jwks_check_interval;
    config.issuer = issuer;
  }
  return config;
}

PasswordHasherConfig read_password_hasher_config(const base::EnvReader& env) {
  PasswordHasherConfig config;
  config.threads = static_cast<unsigned>(
      env.integer("TENANTRY_PASSWORD_HASH_THREADS", default_password_hash_threads()));
  config.max_pending = static_cast<std::size_t>(env.integer("TENANTRY_PASSWORD_HASH_MAX_PENDING"));
  config.max_pending_per_source = static_cast<std::size_t>(
      env.integer("TENANTRY_PASSWORD_HASH_MAX_PENDING_PER_SOURCE",
                  static_cast<std::int64_t>(std::max<std::size_t>(1, config.max_pending / 4))));
  return config;
}

}  // namespace tenantry::auth
