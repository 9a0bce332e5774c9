// tenantry-api: a stateless web replica. Wiring only: configuration,
// logger, metrics, routes, server.
#include <cstdio>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "api/config.h"
#include "api/dependencies.h"
#include "api/routes.h"
#include "platform/http/server.h"
#include "platform/metrics/metrics.h"

namespace {

constexpr const char* kHelp = R"(tenantry-api: a stateless Tenantry web replica.

Configured by environment variables only (see the README for the full table):
  DATABASE_URL (required), REDIS_URL, REDIS_PASSWORD_FILE, TENANTRY_HTTP_ADDR,
  TENANTRY_HTTP_PORT, TENANTRY_ADMIN_PORT, TENANTRY_THREADS, TENANTRY_REPLICA,
  TENANTRY_MAX_HEADER_BYTES, TENANTRY_MAX_BODY_BYTES, TENANTRY_MAX_INFLIGHT,
  TENANTRY_READ_TIMEOUT_MS, TENANTRY_IDLE_TIMEOUT_MS, TENANTRY_DRAIN_DELAY_MS,
  TENANTRY_SHUTDOWN_TIMEOUT_MS, TENANTRY_DEPENDENCY_TIMEOUT_MS,
  TENANTRY_DEPENDENCY_MAX_AGE_MS,
  TENANTRY_LOG_LEVEL, TENANTRY_ENABLE_TEST_ENDPOINTS.

SIGTERM or SIGINT drains and exits 0; a second signal exits at once.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace tenantry;
  if (argc > 1) {
    std::string_view arg = argv[1];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (arg == "--version") {
      std::puts(TENANTRY_VERSION);
      return 0;
    }
    std::fprintf(stderr, "tenantry-api: unknown argument '%s' (see --help)\n", argv[1]);
    return 2;
  }

  api::ApiConfig config;
  try {
    config = api::ApiConfig::from_env(base::EnvReader());
  } catch (const base::ConfigError& e) {
    std::fprintf(stderr, "tenantry-api: %s\n", e.what());
    return 2;
  }

  static char stdout_buffer[64 * 1024];
  std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
  base::Logger logger(config.replica, config.log_level);
  metrics::Metrics metrics(TENANTRY_VERSION);
  api::Dependencies dependencies(config.database_url, config.redis, config.dependency_timeout,
                                 config.dependency_max_age, logger);

  http::Router router;
  http::Router admin_router;
  http::Server server(config.server, router, admin_router, logger, metrics.http());
  api::add_health_routes(router, dependencies, [&server] { return server.draining(); });
  api::add_ping_routes(router, dependencies);
  if (config.test_endpoints) {
    logger.warn("test endpoints enabled");
    api::add_test_routes(router);
  }
  api::add_admin_routes(admin_router, metrics);

  {
    // Know the dependencies' status before serving, so that concurrent first
    // checks share it instead of each probing.
    boost::asio::io_context startup;
    boost::asio::co_spawn(startup, dependencies.check(), boost::asio::detached);
    startup.run();
  }
  try {
    server.bind();
  } catch (const std::exception& e) {
    logger.error("cannot start", {{"error", e.what()}});
    return 1;
  }
  int code = server.run();
  logger.info("exiting", {{"code", static_cast<std::int64_t>(code)}});
  return code;
}
