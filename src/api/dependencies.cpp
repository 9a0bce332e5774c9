// Concurrent dependency probes with transition logging.
#include "api/dependencies.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <optional>

#include "platform/base/deadline.h"

namespace tenantry::api {
namespace {

// Logs a dependency's state when it changes (or is first known), not on
// every check.
void log_transition(base::Logger& logger, std::string_view name, std::optional<bool> before,
                    bool now, const std::string& error) {
  if (before == now) return;
  if (now)
    logger.info("dependency up", {{"dependency", name}});
  else
    logger.warn("dependency down", {{"dependency", name}, {"error", error}});
}

}  // namespace

Dependencies::Dependencies(db::Database& database, std::vector<redis::Client*> redis,
                           std::chrono::milliseconds timeout, std::chrono::milliseconds max_age,
                           base::Logger& logger)
    : database_(database),
      redis_(std::move(redis)),
      timeout_(timeout),
      max_age_(max_age),
      logger_(logger) {}

boost::asio::awaitable<std::string> Dependencies::ping_redis() {
  for (auto* client : redis_) {
    std::vector<std::string> ping{"PING"};
    auto reply = co_await client->command(std::move(ping));
    if (!reply) co_return client->config().concern + ": " + reply.error().message;
    if (reply->text() != "PONG")
      co_return client->config().concern +
          ": unexpected reply to PING: " + std::string(reply->text());
  }
  co_return "";
}

boost::asio::awaitable<DependencyStatus> Dependencies::check() {
  using namespace boost::asio::experimental::awaitable_operators;
  {
    std::lock_guard lock(mutex_);
    bool fresh = std::chrono::steady_clock::now() - checked_at_ < max_age_;
    if (have_status_ && (fresh || probing_)) co_return status_;
    probing_ = true;
  }
  auto [pg, rd] = co_await (base::with_deadline(database_.ping(), timeout_) &&
                            base::with_deadline(ping_redis(), timeout_));
  std::string pg_error;
  if (!pg)
    pg_error = "no answer within " + std::to_string(timeout_.count()) + " ms";
  else if (!*pg)
    pg_error = pg->error().message;
  std::string rd_error = rd ? *rd : "no answer within " + std::to_string(timeout_.count()) + " ms";
  DependencyStatus status{pg_error.empty(), rd_error.empty()};
  std::optional<DependencyStatus> before;
  {
    std::lock_guard lock(mutex_);
    if (have_status_) before = status_;
    status_ = status;
    checked_at_ = std::chrono::steady_clock::now();
    have_status_ = true;
    probing_ = false;
  }
  // Probes are single-flight once a status exists, so `before` is the
  // previous probe's result.
  log_transition(logger_, "postgres", before ? std::optional(before->postgres) : std::nullopt,
                 status.postgres, pg_error);
  log_transition(logger_, "redis", before ? std::optional(before->redis) : std::nullopt,
                 status.redis, rd_error);
  co_return status;
}

}  // namespace tenantry::api
