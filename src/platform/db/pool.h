// A bounded pool of PostgreSQL connections per process, split into one
// shard per io_context (per server thread): a shard is only touched by its
// own thread, so acquiring and releasing take no lock, and a connection's
// socket stays on the thread that waits on it.
//
// Bounds: at most max_size connections and max_waiters waiting callers;
// a caller waits at most acquire_timeout (the API answers 503). After a
// failed connect, the shard refuses at once for a backoff period (100 ms,
// doubling to 5 s) instead of letting every request retry a dead server.
// A connection that broke, timed out, is still inside a transaction or has
// outlived max_lifetime is closed instead of going back to the pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "platform/db/connection.h"
#include "platform/db/metrics.h"

namespace boost::asio {
class io_context;
}

namespace tenantry::db {

struct PoolConfig {
  ConnectionOptions connection;
  // Per process, split evenly over the shards (at least one per shard).
  std::size_t min_size = 0;  // opened by maintenance; idle ones never closed below this
  std::size_t max_size = 16;
  std::size_t max_waiters = 1024;
  std::chrono::milliseconds acquire_timeout{1'000};
  std::chrono::milliseconds idle_timeout{60'000};  // idle connections above min_size close after
  std::chrono::milliseconds max_lifetime{30 * 60'000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5'000};
  // How often each shard closes idle connections past idle_timeout or
  // max_lifetime and opens connections up to min_size without waiting for a
  // caller. 0: none; then idle connections are only looked at by acquire(),
  // and min_size opens nothing (a periodic timer would keep an io_context
  // that is run until it has no work, as tests do, from returning).
  std::chrono::milliseconds maintenance_interval{0};
};

class Lease;

class Pool {
 public:
  // One shard per context; acquire() must run on one of them. The metrics
  // object must outlive the pool.
  Pool(PoolConfig config, std::span<boost::asio::io_context* const> contexts,
       db::PoolMetrics& metrics);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection of the calling thread's shard: an idle one, a new one if
  // below max_size, or the next one released within acquire_timeout.
  // Errors: kPoolTimeout (none free in time, or too many waiters),
  // kUnavailable (cannot connect, or backing off after a failed connect).
  boost::asio::awaitable<Result<Lease>> acquire();

  struct Counts {
    std::size_t idle = 0;
    std::size_t in_use = 0;
    std::size_t waiters = 0;
  };
  // Summed over shards. Only meaningful while no other thread uses the pool
  // (tests, or from the pool's single thread).
  Counts counts() const;

  struct Shard;

 private:
  PoolConfig config_;
  std::vector<std::shared_ptr<Shard>> shards_;
};

// A connection on loan from the pool; going out of scope gives it back (or
// closes it when it is unfit for the next user). Use it only on the thread
// that acquired it.
class Lease {
 public:
  Lease(std::shared_ptr<Pool::Shard> shard, std::unique_ptr<Connection> connection);
  Lease(Lease&&) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  // Connection::run, timed and counted in the pool's metrics.
  boost::asio::awaitable<Result<std::vector<Rows>>> run(std::span<const Command> commands);
  Connection& connection() { return *connection_; }

 private:
  std::shared_ptr<Pool::Shard> shard_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace tenantry::db
