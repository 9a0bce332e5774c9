// tenantry-api as one object built from a validated ApiConfig. Its parts
// come in layers, each built from the configuration and the layers before
// it, and torn down by the destructor in the reverse order, stated there:
//   telemetry (logger, metrics) -> keys -> server (threads, routers) ->
//   stores (PostgreSQL pools, Redis clients) -> services (readiness, cache,
//   rate limits, hashing), then the routes that use them all.
#pragma once

#include <memory>
#include <stdexcept>

#include "api/config.h"

namespace tenantry::app {

// A start-up failure after the configuration was read (a key file that
// does not parse, a port that cannot be bound): one line, then exit `code`.
class StartupError : public std::runtime_error {
 public:
  StartupError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
  int code;
};

class Application {
 public:
  // Builds every layer and binds the listeners; throws StartupError.
  explicit Application(api::ApiConfig config);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Serves until SIGTERM or SIGINT has drained the server; the exit code.
  int run();

 private:
  struct Telemetry;
  struct Keys;
  struct Server;
  struct Stores;
  struct Services;

  void add_routes();

  api::ApiConfig config_;
  std::unique_ptr<Telemetry> telemetry_;
  std::unique_ptr<Keys> keys_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Stores> stores_;
  std::unique_ptr<Services> services_;
};

}  // namespace tenantry::app
