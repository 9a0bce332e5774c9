// Concurrent dependency probes with transition logging.
#include "api/dependencies.h"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "platform/db/probe.h"

namespace tenantry::api {
namespace {

void log_transition(base::Logger& logger, std::atomic<int>& last, std::string_view name, bool ok,
                    const std::string& error) {
  int now = ok ? 1 : 0;
  if (last.exchange(now) == now) return;
  if (ok)
    logger.info("dependency up", {{"dependency", name}});
  else
    logger.warn("dependency down", {{"dependency", name}, {"error", error}});
}

}  // namespace

Dependencies::Dependencies(std::string database_url, redis::Endpoint redis,
                           std::chrono::milliseconds timeout, base::Logger& logger)
    : database_url_(std::move(database_url)),
      redis_(std::move(redis)),
      timeout_(timeout),
      logger_(logger) {}

boost::asio::awaitable<DependencyStatus> Dependencies::check() {
  using namespace boost::asio::experimental::awaitable_operators;
  auto [pg, rd] = co_await (db::probe(database_url_, timeout_) && redis::probe(redis_, timeout_));
  log_transition(logger_, postgres_up_, "postgres", pg.ok, pg.error);
  log_transition(logger_, redis_up_, "redis", rd.ok, rd.error);
  co_return DependencyStatus{pg.ok, rd.ok};
}

}  // namespace tenantry::api
