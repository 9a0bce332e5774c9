// The Redis endpoints' settings and their reading.
#include "platform/redis/settings.h"

#include "platform/base/file.h"

namespace tenantry::redis {
namespace {

using base::SettingType;

constexpr base::Setting kSettings[] = {
    {.name = "REDIS_URL",
     .type = SettingType::kUrl,
     .fallback = "redis://127.0.0.1:6379",
     .help = "`redis[s]://[[user]:password@]host[:port]`; `rediss://` is TLS, always verifying "
             "the server's certificate and host name",
     .secret = true},
    {"REDIS_PASSWORD_FILE", SettingType::kFile, "",
     "file holding the Redis password (a mounted secret)"},
    {"REDIS_TLS_CA_FILE", SettingType::kFile, "",
     "the CA bundle a `rediss://` server's certificate must chain to (a private CA); unset, the "
     "system's trust store"},
    {.name = "REDIS_CACHE_URL",
     .type = SettingType::kUrl,
     .fallback = "REDIS_URL",
     .help = "the Redis of the tenant cache; the password file applies when the URL has none",
     .secret = true},
    {.name = "REDIS_RATELIMIT_URL",
     .type = SettingType::kUrl,
     .fallback = "REDIS_URL",
     .help = "the Redis that decides rate limits (a dedicated instance is a configuration "
             "change); the password file applies when the URL has none",
     .secret = true},
    {.name = "REDIS_QUEUE_URL",
     .type = SettingType::kUrl,
     .fallback = "REDIS_URL",
     .help = "the Redis of the job queues (never evicting); the API only reports its memory in "
             "`/metrics` (`concern=\"queue\"`)",
     .secret = true},
};

std::string read_secret_file(std::string_view variable, const std::string& path) {
  auto text = base::read_file(path);
  if (!text) throw base::ConfigError(std::string(variable) + ": cannot read file " + path);
  auto secret = std::move(*text);
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty())
    throw base::ConfigError(std::string(variable) + ": file " + path + " is empty");
  return secret;
}

}  // namespace

base::SettingGroup endpoint_settings() { return {"Redis", kSettings}; }

Endpoints read_endpoints(const base::EnvReader& env) {
  auto shared = parse_url("REDIS_URL", env.text("REDIS_URL"));
  if (auto file = env.optional("REDIS_PASSWORD_FILE"))
    shared.password = read_secret_file("REDIS_PASSWORD_FILE", *file);
  shared.tls_ca_file = env.text("REDIS_TLS_CA_FILE");
  auto concern = [&](const char* variable) {
    auto url = env.optional(variable);
    if (!url) return shared;
    auto endpoint = parse_url(variable, *url);
    if (endpoint.password.empty()) endpoint.password = shared.password;
    endpoint.tls_ca_file = shared.tls_ca_file;
    return endpoint;
  };
  Endpoints endpoints{concern("REDIS_CACHE_URL"), concern("REDIS_RATELIMIT_URL"),
                      concern("REDIS_QUEUE_URL")};
  bool any_tls = false;
  for (const auto* endpoint : {&endpoints.cache, &endpoints.ratelimit, &endpoints.queue}) {
    if (!endpoint->tls) continue;
    any_tls = true;
    try {
      make_tls_context(*endpoint);
    } catch (const base::ConfigError& e) {
      throw base::ConfigError(std::string("REDIS_TLS_CA_FILE: ") + e.what());
    }
  }
  if (!shared.tls_ca_file.empty() && !any_tls)
    throw base::ConfigError(
        "REDIS_TLS_CA_FILE: set, but no Redis URL is rediss:// (it would be ignored)");
  return endpoints;
}

}  // namespace tenantry::redis
