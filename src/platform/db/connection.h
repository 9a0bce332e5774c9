// One PostgreSQL connection driven without blocking: libpq in non-blocking
// pipeline mode, its socket awaited through Asio on the executor of the
// coroutine that opened it. A batch of statements goes out as one pipeline
// with one Sync, so a whole short transaction costs one round trip.
// Not thread-safe: the pool hands a connection to one coroutine at a time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/db/error.h"
#include "platform/db/rows.h"

namespace tenantry::db {

struct ConnectionOptions {
  // A libpq URL or key=value string. Its `options` setting is replaced by
  // the statement timeout below.
  std::string url;
  std::string application_name = "tenantry";
  // Sent to the server as statement_timeout; the client gives up (and
  // drops the connection) if no answer comes within this plus a grace.
  std::chrono::milliseconds statement_timeout{5'000};
  // Prepares each distinct SQL text once per connection. Off for PgBouncer
  // in transaction mode, where a prepared statement may not exist on the
  // server connection that the next transaction gets.
  bool statement_cache = true;
};

struct Command {
  std::string_view sql;
  std::span<const Param> params = {};
};

class Connection {
 public:
  // Connects on the calling coroutine's executor. Unbounded: the caller
  // bounds it (the pool does, with its acquire timeout).
  static boost::asio::awaitable<Result<std::unique_ptr<Connection>>> open(
      const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends the commands as one pipeline ending in one Sync and reads every
  // result: one round trip. Returns one Rows per command, or the first
  // error (the server skips the rest of the pipeline after an error).
  boost::asio::awaitable<Result<std::vector<Rows>>> run(std::span<const Command> commands);

  // The connection cannot be used again (it broke, or a call timed out).
  bool broken() const;
  // Inside a transaction block (open or failed): not fit for another user.
  bool in_transaction() const;
  // The server has sent something unasked, which for an idle connection
  // means it is closing it (restart, pg_terminate_backend). Never waits.
  bool closed_by_server() const;
  std::chrono::steady_clock::time_point opened_at() const;

 private:
  struct Impl;
  explicit Connection(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared only so a timer handler can tell it is gone
};

}  // namespace tenantry::db
