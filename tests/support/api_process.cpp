#include "support/api_process.h"

#include "support/http_client.h"

namespace tenantry::testing {

using namespace std::chrono_literals;

ApiProcess::ApiProcess(const std::string& database_url, const std::string& redis_url,
                       std::map<std::string, std::string> env)
    : keys_(dir_.path()), port_(free_port()), admin_port_(free_port()) {
  std::map<std::string, std::string> all{
      {"DATABASE_URL", database_url},
      {"REDIS_URL", redis_url},
      {"TENANTRY_JWKS_FILE", keys_.jwks_path().string()},
      {"TENANTRY_JWT_SIGNING_KEY_FILE", keys_.signing_key_path().string()},
      {"TENANTRY_HTTP_PORT", std::to_string(port_)},
      {"TENANTRY_ADMIN_PORT", std::to_string(admin_port_)},
      {"TENANTRY_THREADS", "2"},
      {"TENANTRY_ENABLE_TEST_ENDPOINTS", "1"},
      {"TENANTRY_DRAIN_DELAY_MS", "200"},
      {"TENANTRY_REPLICA", "itest"},
      // A misspelt setting in a test stops the replica instead of being ignored.
      {"TENANTRY_STRICT_CONFIG", "1"}};
  // The operator routes' role: its URL is the application role's with the
  // role (and so its password file) swapped, as PostgresServer makes both.
  if (auto at = database_url.find("tenantry_app"); at != std::string::npos) {
    auto platform = database_url;
    for (; at != std::string::npos; at = platform.find("tenantry_app", at)) {
      platform.replace(at, 12, "tenantry_platform");
    }
    all["PLATFORM_DATABASE_URL"] = platform;
  }
  for (auto& [name, value] : env) all[name] = value;
  process_.emplace(std::vector<std::string>{(binary_dir() / "bin/tenantry-api").string()}, all,
                   dir_.path() / "api.log");
  if (!wait_until([this] { return http_request(port_, "GET", "/livez", {}, {}, 1s).status == 200; },
                  20s)) {
    throw std::runtime_error("tenantry-api did not start:\n" + process_->log());
  }
}

}  // namespace tenantry::testing
