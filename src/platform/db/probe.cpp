// libpq in non-blocking mode: PQconnectStart/PQconnectPoll, PQsendQuery,
// PQflush, PQconsumeInput, with the socket awaited through Asio.
#include "platform/db/probe.h"

#include <libpq-fe.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

#include "platform/base/deadline.h"

namespace tenantry::db {
namespace {

namespace asio = boost::asio;

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;

// Waits until libpq's socket is ready, without taking ownership of it (the
// socket may change during connection establishment).
asio::awaitable<bool> wait_socket(PGconn* conn, asio::posix::descriptor_base::wait_type what) {
  int fd = PQsocket(conn);
  if (fd < 0) co_return false;
  asio::posix::stream_descriptor descriptor(co_await asio::this_coro::executor, fd);
  auto [ec] = co_await descriptor.async_wait(what, asio::as_tuple(asio::use_awaitable));
  descriptor.release();
  co_return !ec;
}

ProbeResult failed(PGconn* conn, std::string_view fallback) {
  std::string message = conn ? PQerrorMessage(conn) : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return {false, message.empty() ? std::string(fallback) : message};
}

asio::awaitable<ProbeResult> probe_unbounded(std::string conninfo) {
  using Wait = asio::posix::descriptor_base;
  Conn conn(PQconnectStart(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) == CONNECTION_BAD)
    co_return failed(conn.get(), "cannot connect");
  for (auto poll = PGRES_POLLING_WRITING; poll != PGRES_POLLING_OK;
       poll = PQconnectPoll(conn.get())) {
    if (poll == PGRES_POLLING_FAILED) co_return failed(conn.get(), "connection failed");
    auto what = poll == PGRES_POLLING_READING ? Wait::wait_read : Wait::wait_write;
    if (!co_await wait_socket(conn.get(), what)) co_return failed(conn.get(), "socket wait failed");
  }
  if (PQsetnonblocking(conn.get(), 1) != 0 || PQsendQuery(conn.get(), "SELECT 1") == 0) {
    co_return failed(conn.get(), "cannot send query");
  }
  for (int pending = PQflush(conn.get()); pending != 0; pending = PQflush(conn.get())) {
    if (pending < 0 || !co_await wait_socket(conn.get(), Wait::wait_write)) {
      co_return failed(conn.get(), "cannot send query");
    }
  }
  for (;;) {
    if (PQconsumeInput(conn.get()) == 0) co_return failed(conn.get(), "connection lost");
    if (PQisBusy(conn.get()) == 0) break;
    if (!co_await wait_socket(conn.get(), Wait::wait_read))
      co_return failed(conn.get(), "connection lost");
  }
  ProbeResult result{true, {}};
  while (PGresult* res = PQgetResult(conn.get())) {
    if (PQresultStatus(res) != PGRES_TUPLES_OK) result = failed(conn.get(), "query failed");
    PQclear(res);
  }
  co_return result;
}

}  // namespace

asio::awaitable<ProbeResult> probe(std::string conninfo, std::chrono::milliseconds timeout) {
  auto result = co_await base::with_deadline(probe_unbounded(std::move(conninfo)), timeout);
  if (!result)
    co_return ProbeResult{false, "timed out after " + std::to_string(timeout.count()) + " ms"};
  co_return std::move(*result);
}

}  // namespace tenantry::db
