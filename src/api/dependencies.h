// Reachability of PostgreSQL (a SELECT 1 through the pool) and Redis (a
// PING through each concern's client, so its breaker and connection too),
// shared by /readyz and /v1/ping.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "platform/base/log.h"
#include "platform/db/transaction.h"
#include "platform/redis/client.h"

namespace tenantry::api {

struct DependencyStatus {
  bool postgres = false;
  bool redis = false;
};

class Dependencies {
 public:
  // Redis is up when every client in `redis` answers.
  Dependencies(db::Database& database, std::vector<redis::Client*> redis,
               std::chrono::milliseconds timeout, std::chrono::milliseconds max_age,
               base::Logger& logger);

  // The status of both, at most `max_age` old (plus one probe's duration):
  // a stale status triggers one probe of both at once, each bounded by the
  // timeout, while concurrent callers get the previous status instead of
  // probing too. So however many health checks and pings arrive, a replica
  // runs at most one SELECT 1 and one PING per Redis concern per max_age.
  // Logs a warning when a dependency goes down and an info line when it
  // comes back (not on every check).
  boost::asio::awaitable<DependencyStatus> check();

 private:
  db::Database& database_;
  boost::asio::awaitable<std::string> ping_redis();  // "" or why not

  std::vector<redis::Client*> redis_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds max_age_;
  base::Logger& logger_;
  std::mutex mutex_;  // guards the four members below
  DependencyStatus status_;
  std::chrono::steady_clock::time_point checked_at_;
  bool have_status_ = false;
  bool probing_ = false;
};

}  // namespace tenantry::api
