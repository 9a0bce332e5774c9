// Single-flight: while a load for a key is running in this process, later
// callers for the same key wait for its result instead of loading again, so
// a hot key expiring sends one read to PostgreSQL, not one per request.
// Callers may be on any of the server's threads; each waits on its own
// executor and is woken there.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "platform/db/error.h"

namespace tenantry::cache {

class SingleFlight {
 public:
  using Result = db::Result<std::string>;
  using Work = std::function<boost::asio::awaitable<Result>()>;

  // Runs `work`, unless a call for `key` is already running: then returns
  // that call's result. A caller that has waited `wait` runs `work` itself
  // (a stuck load must not hold its followers forever).
  boost::asio::awaitable<Result> run(std::string key, Work work, std::chrono::milliseconds wait);

  struct Flight;

 private:
  void land(const std::string& key, const std::shared_ptr<Flight>& flight, Result result);

  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace tenantry::cache
