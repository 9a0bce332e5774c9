// The HTTP/1.1 server of a replica: one io_context per thread, a public
// listener and an admin listener, request limits, request ids, access logs,
// metrics, and the graceful drain that zero-downtime deploys rely on.
// Boost.Beast stays inside server.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/base/log.h"
#include "platform/http/metrics.h"
#include "platform/http/router.h"

namespace boost::asio {
class io_context;
}

namespace tenantry::http {

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  // The body limit of a route that declares none (RouteOptions).
  std::size_t max_body_bytes = 64 * 1024;
  // A whole request, once its first byte is in (enforced within 1-2x), and
  // each response write.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{75'000};  // between requests on a keep-alive connection
  std::size_t max_in_flight = 1024;
  // Open connections on the public listener; beyond, new ones are closed.
  std::size_t max_connections = 4096;
};

// Whether `text` is an IPv4 or IPv6 address, optionally with a /prefix.
bool is_valid_cidr(std::string_view text);

struct ServerConfig {
  std::string address = "127.0.0.1";
  std::string admin_address = "127.0.0.1";  // its own: metrics stay private
  // Peers whose X-Forwarded-For is believed (the load balancer): the last
  // hop is then the client; from any other peer, the peer is the client.
  std::vector<std::string> trusted_proxies = {"127.0.0.0/8", "::1/128"};
  unsigned short port = 0;        // 0: any free port (tests)
  unsigned short admin_port = 0;  // 0: any free port (tests)
  unsigned threads = 1;
  ServerLimits limits;
  // After SIGTERM: keep serving (readiness 503) this long so the load
  // balancer sees it, then stop accepting and finish in-flight requests
  // within shutdown_timeout.
  std::chrono::milliseconds drain_delay{3'000};
  std::chrono::milliseconds shutdown_timeout{20'000};
  bool handle_signals = true;
};

class Server {
 public:
  Server(ServerConfig config, const Router& router, const Router& admin_router,
         base::Logger& logger, HttpMetrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds both listeners; throws std::runtime_error naming the address on
  // failure. port() and admin_port() are known after this.
  void bind();
  unsigned short port() const;
  unsigned short admin_port() const;

  // The worker threads' io_contexts (one per thread, fixed at construction):
  // what per-thread resources such as the database pool's shards bind to.
  std::vector<boost::asio::io_context*> contexts() const;

  // Serves until shut down. Returns 0 after a graceful shutdown, 1 when the
  // shutdown deadline cut in-flight requests short.
  int run();

  // Starts the graceful shutdown, as SIGTERM does. Safe from any thread.
  void shutdown();
  bool draining() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tenantry::http
