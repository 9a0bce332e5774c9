// The pool's shards: idle connections (most recently used first), waiters
// woken in arrival order, and the reconnect backoff.
#include "platform/db/pool.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <list>
#include <random>
#include <stdexcept>

#include "platform/base/deadline.h"

namespace tenantry::db {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string millis_text(milliseconds value) { return std::to_string(value.count()) + " ms"; }

}  // namespace

struct Pool::Shard : std::enable_shared_from_this<Shard> {
  struct Idle {
    std::unique_ptr<Connection> connection;
    Clock::time_point since;
  };
  // Lives in the frame of the waiting acquire(); leaves the queue when
  // destroyed, so a frame destroyed while waiting leaves no dangling entry.
  struct Waiter {
    Waiter(asio::io_context& context, Clock::time_point deadline, std::list<Waiter*>& queue)
        : timer(context, deadline), queue(queue), position(queue.insert(queue.end(), this)) {}
    ~Waiter() {
      if (queued) queue.erase(position);
    }
    void wake(std::unique_ptr<Connection> handed) {
      queue.erase(position);
      queued = false;
      connection = std::move(handed);
      woken = true;
      timer.cancel();
    }
    asio::steady_timer timer;
    std::list<Waiter*>& queue;
    std::list<Waiter*>::iterator position;
    bool queued = true;
    bool woken = false;
    std::unique_ptr<Connection> connection;  // handed over by release(), if any
  };

  Shard(const PoolConfig& config, asio::io_context& context, db::PoolMetrics& metrics,
        std::size_t min_size, std::size_t max_size, std::size_t max_waiters)
      : config(config),
        context(context),
        metrics(metrics),
        min_size(min_size),
        max_size(max_size),
        max_waiters(max_waiters),
        random(std::random_device{}()) {}

  std::size_t total() const { return idle.size() + in_use + connecting; }

  Error fail(Error error) {
    metrics.error(error_class(error.kind));
    return error;
  }

  Lease lend(std::unique_ptr<Connection> connection, Clock::time_point start) {
    ++in_use;
    metrics.in_use.Increment();
    metrics.acquire_seconds.Observe(seconds_since(start));
    return Lease(shared_from_this(), std::move(connection));
  }

  // Closes idle connections above min_size that have been idle too long
  // (oldest first), and idle connections past their lifetime.
  void prune(Clock::time_point now) {
    while (!idle.empty() && total() > min_size && now - idle.front().since > config.idle_timeout) {
      idle.pop_front();
      metrics.idle.Decrement();
    }
  }

  bool fit_for_reuse(const Connection& connection, Clock::time_point now) const {
    return !connection.broken() && !connection.in_transaction() &&
           now - connection.opened_at() < config.max_lifetime;
  }

  asio::awaitable<Result<Lease>> acquire() {
    auto start = Clock::now();
    auto deadline = start + config.acquire_timeout;
    for (;;) {
      auto now = Clock::now();
      prune(now);
      while (!idle.empty()) {
        auto connection = std::move(idle.back().connection);
        idle.pop_back();
        metrics.idle.Decrement();
        if (fit_for_reuse(*connection, now) && !connection->closed_by_server())
          co_return lend(std::move(connection), start);
      }
      if (total() < max_size) {
        if (now < retry_at) {
          co_return fail(
              {ErrorKind::kUnavailable,
               {},
               "cannot connect to PostgreSQL (" + last_error + "); next attempt in " +
                   millis_text(std::chrono::duration_cast<milliseconds>(retry_at - now))});
        }
        auto opened = co_await connect(deadline);
        if (!opened) co_return fail(opened.error());
        co_return lend(std::move(*opened), start);
      }
      if (waiters.size() >= max_waiters) {
        co_return fail({ErrorKind::kPoolTimeout,
                        {},
                        "connection pool exhausted: " + std::to_string(waiters.size()) +
                            " callers already waiting"});
      }
      Waiter waiter(context, deadline, waiters);
      metrics.waiters.Increment();
      co_await waiter.timer.async_wait(asio::as_tuple(asio::use_awaitable));
      metrics.waiters.Decrement();
      if (waiter.connection) {
        --in_use;  // release() counted the hand-over as still in use
        metrics.in_use.Decrement();
        co_return lend(std::move(waiter.connection), start);
      }
      if (!waiter.woken) {
        co_return fail(
            {ErrorKind::kPoolTimeout,
             {},
             "no database connection free within " + millis_text(config.acquire_timeout)});
      }
      // A connection was closed instead of returned: room to open one.
    }
  }

  asio::awaitable<Result<std::unique_ptr<Connection>>> connect(Clock::time_point deadline) {
    ++connecting;
    metrics.connecting.Increment();
    auto budget = std::max(milliseconds(1),
                           std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
    auto opened = co_await base::with_deadline(Connection::open(config.connection), budget);
    --connecting;
    metrics.connecting.Decrement();
    if (opened && *opened) {
      backoff = milliseconds(0);
      co_return std::move(**opened);
    }
    last_error = opened ? opened->error().message : "no answer within " + millis_text(budget);
    backoff = std::clamp(backoff * 2, config.backoff_min, config.backoff_max);
    // Up to 20% less, so that replicas do not retry in step.
    std::uniform_int_distribution<long> jitter(0, backoff.count() / 5);
    retry_at = Clock::now() + backoff - milliseconds(jitter(random));
    co_return Error{ErrorKind::kUnavailable, {}, "cannot connect to PostgreSQL: " + last_error};
  }

  // What maintenance does each interval: the idle connections that idled
  // or lived too long (or that the server closed) go, then connections are
  // opened up to min_size unless connecting is backing off.
  asio::awaitable<void> maintain() {
    auto now = Clock::now();
    prune(now);
    for (auto it = idle.begin(); it != idle.end();) {
      if (fit_for_reuse(*it->connection, now) && !it->connection->closed_by_server()) {
        ++it;
        continue;
      }
      it = idle.erase(it);
      metrics.idle.Decrement();
    }
    while (total() < min_size && Clock::now() >= retry_at) {
      auto opened = co_await connect(Clock::now() + config.acquire_timeout);
      if (!opened) break;  // connect() set the backoff
      if (!waiters.empty()) {
        ++in_use;
        metrics.in_use.Increment();
        waiters.front()->wake(std::move(*opened));
        continue;
      }
      idle.push_back({std::move(*opened), Clock::now()});
      metrics.idle.Increment();
    }
  }

  void release(std::unique_ptr<Connection> connection) {
    --in_use;
    metrics.in_use.Decrement();
    auto now = Clock::now();
    if (!fit_for_reuse(*connection, now)) {
      connection.reset();
      // Room for a new connection: let the first waiter open one.
      if (!waiters.empty()) waiters.front()->wake(nullptr);
      return;
    }
    if (!waiters.empty()) {
      ++in_use;
      metrics.in_use.Increment();
      waiters.front()->wake(std::move(connection));
      return;
    }
    idle.push_back({std::move(connection), now});
    metrics.idle.Increment();
  }

  const PoolConfig config;
  asio::io_context& context;
  db::PoolMetrics& metrics;
  std::size_t min_size;
  std::size_t max_size;
  std::size_t max_waiters;
  std::deque<Idle> idle;  // back: most recently used
  std::size_t in_use = 0;
  std::size_t connecting = 0;
  std::list<Waiter*> waiters;
  Clock::time_point retry_at{};
  milliseconds backoff{0};
  std::string last_error;
  std::minstd_rand random;
};

namespace {

// Holds the shard only while it works: once the pool is gone, the next
// tick ends the loop.
asio::awaitable<void> maintain_shard(std::weak_ptr<Pool::Shard> weak, milliseconds every) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    if (auto shard = weak.lock()) {
      co_await shard->maintain();
    } else {
      co_return;
    }
    timer.expires_after(every);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace

Pool::Pool(PoolConfig config, std::span<asio::io_context* const> contexts, db::PoolMetrics& metrics)
    : config_(std::move(config)) {
  if (contexts.empty()) throw std::invalid_argument("Pool: no io_context");
  auto n = contexts.size();
  auto share = [n](std::size_t total, std::size_t i) {
    return total / n + (i < total % n ? 1 : 0);
  };
  for (std::size_t i = 0; i < n; ++i) {
    shards_.push_back(
        std::make_shared<Shard>(config_, *contexts[i], metrics, share(config_.min_size, i),
                                std::max<std::size_t>(1, share(config_.max_size, i)),
                                std::max<std::size_t>(1, share(config_.max_waiters, i))));
  }
  if (config_.maintenance_interval.count() > 0) {
    for (auto& shard : shards_) {
      asio::co_spawn(shard->context, maintain_shard(shard, config_.maintenance_interval),
                     asio::detached);
    }
  }
}

Pool::~Pool() = default;

asio::awaitable<Result<Lease>> Pool::acquire() {
  auto executor = co_await asio::this_coro::executor;
  auto* context = &asio::query(executor, asio::execution::context);
  for (auto& shard : shards_) {
    if (static_cast<asio::execution_context*>(&shard->context) == context)
      co_return co_await shard->acquire();
  }
  throw std::logic_error("Pool::acquire called from a thread the pool was not built for");
}

Pool::Counts Pool::counts() const {
  Counts counts;
  for (const auto& shard : shards_) {
    counts.idle += shard->idle.size();
    counts.in_use += shard->in_use;
    counts.waiters += shard->waiters.size();
  }
  return counts;
}

Lease::Lease(std::shared_ptr<Pool::Shard> shard, std::unique_ptr<Connection> connection)
    : shard_(std::move(shard)), connection_(std::move(connection)) {}

Lease::~Lease() {
  if (shard_ && connection_) shard_->release(std::move(connection_));
}

asio::awaitable<Result<std::vector<Rows>>> Lease::run(std::span<const Command> commands) {
  auto start = Clock::now();
  auto result = co_await connection_->run(commands);
  shard_->metrics.query_seconds.Observe(seconds_since(start));
  if (!result) shard_->metrics.error(error_class(result.error().kind));
  co_return result;
}

}  // namespace tenantry::db
