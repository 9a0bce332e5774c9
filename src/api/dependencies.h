// Reachability of PostgreSQL and Redis, shared by /readyz and /v1/ping.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "platform/base/log.h"
#include "platform/redis/probe.h"

namespace tenantry::api {

struct DependencyStatus {
  bool postgres = false;
  bool redis = false;
};

class Dependencies {
 public:
  Dependencies(std::string database_url, redis::Endpoint redis, std::chrono::milliseconds timeout,
               base::Logger& logger);

  // Probes both at once, each bounded by the timeout. Logs a warning when a
  // dependency goes down and an info line when it comes back (not on every
  // health check).
  boost::asio::awaitable<DependencyStatus> check();

 private:
  std::string database_url_;
  redis::Endpoint redis_;
  std::chrono::milliseconds timeout_;
  base::Logger& logger_;
  std::atomic<int> postgres_up_{-1};  // -1 unknown, 0 down, 1 up: for transition logs only
  std::atomic<int> redis_up_{-1};
};

}  // namespace tenantry::api
