// The HTTP server's settings and their reading.
#include "platform/http/settings.h"

#include <algorithm>
#include <thread>

namespace tenantry::http {
namespace {

using base::SettingType;

constexpr base::Setting kSettings[] = {
    {"TENANTRY_HTTP_ADDR", SettingType::kText, "127.0.0.1", "address of the public listener"},
    {"TENANTRY_HTTP_PORT", SettingType::kInteger, "8081", "public listener", 1, 65535},
    {"TENANTRY_ADMIN_ADDR", SettingType::kText, "127.0.0.1",
     "address of the admin listener (`/metrics`, `/routes`), apart from the public one"},
    {"TENANTRY_ADMIN_PORT", SettingType::kInteger, "9091", "admin listener (`/metrics`)", 1, 65535},
    {"TENANTRY_TRUSTED_PROXIES", SettingType::kList, "127.0.0.0/8,::1/128",
     "peers whose `X-Forwarded-For` is believed (its last hop is the client); from any other "
     "peer, the peer is the client"},
    {"TENANTRY_THREADS", SettingType::kInteger, "cores", "threads, one io_context each", 1, 256},
    {"TENANTRY_MAX_HEADER_BYTES", SettingType::kInteger, "16384", "larger request headers get 431",
     1024, 1024 * 1024},
    {"TENANTRY_MAX_BODY_BYTES", SettingType::kInteger, "65536",
     "body limit of the routes that declare none (the JSON resources); the token and revoke "
     "endpoints take at most 8 KiB. A larger body gets 413, before it is read when "
     "`Content-Length` says so",
     1024, 1024 * 1024 * 1024},
    {"TENANTRY_MAX_INFLIGHT", SettingType::kInteger, "1024",
     "above this, 503 problem+json with `Retry-After: 1`", 1, 1'000'000},
    {"TENANTRY_MAX_CONNECTIONS", SettingType::kInteger, "4096",
     "open connections on the public listener; beyond, new ones are closed at once (keep "
     "HAProxy's per-server `maxconn` below it)",
     1, 1'000'000},
    {"TENANTRY_READ_TIMEOUT_MS", SettingType::kDuration, "10000",
     "to read a whole request once its first byte arrived (then the connection closes)", 100,
     600'000},
    {"TENANTRY_IDLE_TIMEOUT_MS", SettingType::kDuration, "75000",
     "keep-alive idle time; keep it above the load balancer's", 100, 3'600'000},
    {"TENANTRY_DRAIN_DELAY_MS", SettingType::kDuration, "3000",
     "after SIGTERM, readiness is 503 and the replica keeps serving this long", 0, 600'000},
    {"TENANTRY_SHUTDOWN_TIMEOUT_MS", SettingType::kDuration, "20000",
     "then in-flight requests have this long before the exit", 100, 3'600'000},
};

std::vector<std::string> trusted_proxies(const std::string& list) {
  std::vector<std::string> proxies;
  for (std::size_t start = 0; start <= list.size();) {
    auto comma = std::min(list.find(',', start), list.size());
    auto cidr = list.substr(start, comma - start);
    start = comma + 1;
    if (cidr.empty()) continue;
    if (!is_valid_cidr(cidr))
      throw base::ConfigError("TENANTRY_TRUSTED_PROXIES: '" + cidr +
                              "' is not an address or CIDR block (e.g. 10.0.0.0/8)");
    proxies.push_back(cidr);
  }
  return proxies;
}

}  // namespace

base::SettingGroup server_settings() { return {"HTTP server", kSettings}; }

ServerConfig read_server_config(const base::EnvReader& env) {
  ServerConfig server;
  server.address = env.text("TENANTRY_HTTP_ADDR");
  server.admin_address = env.text("TENANTRY_ADMIN_ADDR");
  server.trusted_proxies = trusted_proxies(env.text("TENANTRY_TRUSTED_PROXIES"));
  server.port = static_cast<unsigned short>(env.integer("TENANTRY_HTTP_PORT"));
  server.admin_port = static_cast<unsigned short>(env.integer("TENANTRY_ADMIN_PORT"));
  if (server.port == server.admin_port)
    throw base::ConfigError("TENANTRY_ADMIN_PORT: must differ from TENANTRY_HTTP_PORT");
  server.threads = static_cast<unsigned>(
      env.integer("TENANTRY_THREADS", std::max(1u, std::thread::hardware_concurrency())));
  auto& limits = server.limits;
  limits.max_header_bytes = static_cast<std::size_t>(env.integer("TENANTRY_MAX_HEADER_BYTES"));
  limits.max_body_bytes = static_cast<std::size_t>(env.integer("TENANTRY_MAX_BODY_BYTES"));
  limits.read_timeout = env.millis("TENANTRY_READ_TIMEOUT_MS");
  limits.idle_timeout = env.millis("TENANTRY_IDLE_TIMEOUT_MS");
  limits.max_in_flight = static_cast<std::size_t>(env.integer("TENANTRY_MAX_INFLIGHT"));
  limits.max_connections = static_cast<std::size_t>(env.integer("TENANTRY_MAX_CONNECTIONS"));
  server.drain_delay = env.millis("TENANTRY_DRAIN_DELAY_MS");
  server.shutdown_timeout = env.millis("TENANTRY_SHUTDOWN_TIMEOUT_MS");
  return server;
}

}  // namespace tenantry::http
