// libpq's asynchronous API (PQconnectStartParams/PQconnectPoll, PQsend*,
// PQpipelineSync, PQflush, PQconsumeInput/PQisBusy/PQgetResult) with every
// socket wait an Asio wait, so no thread ever blocks on the database.
#include "platform/db/connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>

namespace tenantry::db {
namespace {

namespace asio = boost::asio;
using Wait = asio::posix::descriptor_base;

// Prepared statements per connection. SQL texts are constants in the code,
// so this is never reached unless SQL is built at run time; then the texts
// beyond it run unprepared instead of growing the server's memory.
constexpr std::size_t kMaxPrepared = 512;

// How long past the server's statement_timeout the client still waits for
// an answer (the server's own timeout error) before dropping the connection.
constexpr std::chrono::milliseconds kDeadlineGrace{1'000};

std::string trimmed_message(const char* text, std::string_view fallback) {
  std::string message = text ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message.empty() ? std::string(fallback) : message;
}

Error connection_error(PGconn* conn, std::string_view fallback) {
  return {
      ErrorKind::kConnection, {}, trimmed_message(conn ? PQerrorMessage(conn) : nullptr, fallback)};
}

Error server_error(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string sqlstate = state ? state : "";
  auto kind = sqlstate.empty() ? ErrorKind::kConnection : kind_of_sqlstate(sqlstate);
  // The primary message only: DETAIL lines quote row values ("Key
  // (email)=(...) already exists"), which must not reach the logs.
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  return {kind, std::move(sqlstate),
          trimmed_message(primary ? primary : PQresultErrorMessage(result), "query failed")};
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

// Waits for a socket that libpq may replace (during connection set-up),
// without taking ownership of it.
asio::awaitable<bool> wait_socket(PGconn* conn, Wait::wait_type what) {
  int fd = PQsocket(conn);
  if (fd < 0) co_return false;
  asio::posix::stream_descriptor descriptor(co_await asio::this_coro::executor, fd);
  auto [ec] = co_await descriptor.async_wait(what, asio::as_tuple(asio::use_awaitable));
  descriptor.release();
  co_return !ec;
}

}  // namespace

struct Connection::Impl {
  Impl(PGconn* conn, const asio::any_io_executor& executor, const ConnectionOptions& options)
      : conn(conn),
        socket(executor, PQsocket(conn)),
        timer(executor),
        statement_cache(options.statement_cache),
        deadline(options.statement_timeout + kDeadlineGrace),
        opened_at(std::chrono::steady_clock::now()) {}
  ~Impl() {
    socket.release();  // libpq owns the descriptor and closes it
    PQfinish(conn);
  }

  asio::awaitable<Result<std::vector<Rows>>> run(std::span<const Command> commands);
  Result<void> send(std::span<const Command> commands, std::vector<std::string>& new_statements);
  asio::awaitable<Result<void>> flush();
  // The next result, or nullptr at the end of a statement's results.
  asio::awaitable<Result<PGresult*>> next_result();
  Error fail(Error error) {
    broken = true;
    return error;
  }

  PGconn* conn;
  asio::posix::stream_descriptor socket;
  // The client-side deadline of each run: one timer per connection, re-armed
  // per run. (A timer and a parallel group per run cost 15% of the
  // throughput of a one-round-trip transaction.)
  asio::steady_timer timer;
  std::uint64_t runs = 0;  // tells a late timer handler that its run is over
  bool timed_out = false;
  bool statement_cache;
  std::chrono::milliseconds deadline;
  std::chrono::steady_clock::time_point opened_at;
  bool broken = false;
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> prepared;
  std::uint64_t statements_prepared = 0;  // names are never reused
};

Result<void> Connection::Impl::send(std::span<const Command> commands,
                                    std::vector<std::string>& new_statements) {
  const char* values[64];
  for (const auto& command : commands) {  // before anything is queued
    if (command.params.size() > std::size(values))
      return Error{ErrorKind::kQuery, {}, "more than 64 parameters in one statement"};
    for (std::size_t i = 0; i < command.params.size(); ++i) {
      if (command.params[i].holds_nul())
        return Error{ErrorKind::kInvalidInput, {},
                     "parameter $" + std::to_string(i + 1) + " holds a NUL byte"};
    }
  }
  for (const auto& command : commands) {
    for (std::size_t i = 0; i < command.params.size(); ++i) values[i] = command.params[i].c_str();
    int count = static_cast<int>(command.params.size());
    int sent;
    auto it = statement_cache ? prepared.find(command.sql) : prepared.end();
    if (it == prepared.end() && (!statement_cache || prepared.size() >= kMaxPrepared)) {
      sent = PQsendQueryParams(conn, std::string(command.sql).c_str(), count, nullptr, values,
                               nullptr, nullptr, 0);
    } else {
      if (it == prepared.end()) {
        auto name = "tenantry_" + std::to_string(++statements_prepared);
        it = prepared.emplace(std::string(command.sql), name).first;
        new_statements.push_back(it->first);
        if (PQsendPrepare(conn, name.c_str(), it->first.c_str(), count, nullptr) == 0)
          return fail(connection_error(conn, "cannot send statement"));
      }
      sent = PQsendQueryPrepared(conn, it->second.c_str(), count, values, nullptr, nullptr, 0);
    }
    if (sent == 0) return fail(connection_error(conn, "cannot send statement"));
  }
  if (PQpipelineSync(conn) == 0) return fail(connection_error(conn, "cannot send statement"));
  return {};
}

asio::awaitable<Result<void>> Connection::Impl::flush() {
  for (int pending = PQflush(conn); pending != 0; pending = PQflush(conn)) {
    if (pending < 0) co_return fail(connection_error(conn, "cannot send statement"));
    auto [ec] = co_await socket.async_wait(Wait::wait_write, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return fail(Error{ErrorKind::kConnection, {}, ec.message()});
  }
  co_return Result<void>{};
}

asio::awaitable<Result<PGresult*>> Connection::Impl::next_result() {
  while (PQisBusy(conn)) {
    if (PQconsumeInput(conn) == 0) co_return fail(connection_error(conn, "connection lost"));
    if (!PQisBusy(conn)) break;
    auto [ec] = co_await socket.async_wait(Wait::wait_read, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return fail(Error{ErrorKind::kConnection, {}, ec.message()});
  }
  co_return PQgetResult(conn);
}

asio::awaitable<Result<std::vector<Rows>>> Connection::Impl::run(
    std::span<const Command> commands) {
  // Statements prepared by this pipeline: forgotten again if their
  // preparation fails, so that the next use prepares them again.
  std::vector<std::string> new_statements;
  if (auto sent = send(commands, new_statements); !sent) co_return sent.error();
  if (auto flushed = co_await flush(); !flushed) co_return flushed.error();

  std::vector<Rows> rows(commands.size());
  std::optional<Error> first_error;
  // Each statement yields one result then nullptr; a statement prepared on
  // the way yields one more result (and nullptr) before its own.
  std::size_t new_index = 0;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    bool preparing =
        new_index < new_statements.size() && new_statements[new_index] == commands[i].sql;
    for (int step = preparing ? 0 : 1; step < 2; ++step) {
      auto result = co_await next_result();
      if (!result) co_return result.error();
      PGresult* res = *result;
      if (res == nullptr) co_return fail(Error{ErrorKind::kConnection, {}, "result missing"});
      auto status = PQresultStatus(res);
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        if (step == 1)
          rows[i] = Rows(res);
        else
          PQclear(res);
      } else {
        if (status == PGRES_PIPELINE_ABORTED) {
          PQclear(res);
        } else {
          if (status != PGRES_FATAL_ERROR) {  // COPY and the like: not ours to drive
            auto unexpected = std::string("unexpected result: ") + PQresStatus(status);
            PQclear(res);
            co_return fail(Error{ErrorKind::kQuery, {}, std::move(unexpected)});
          }
          auto error = server_error(res);
          PQclear(res);
          if (!first_error) first_error = std::move(error);
        }
        if (step == 0) {
          if (auto it = prepared.find(commands[i].sql); it != prepared.end()) prepared.erase(it);
        }
      }
      auto end = co_await next_result();
      if (!end) co_return end.error();
      if (*end != nullptr) {
        PQclear(*end);
        co_return fail(Error{ErrorKind::kQuery, {}, "a statement returned several results"});
      }
    }
    if (preparing) ++new_index;
  }
  auto sync = co_await next_result();
  if (!sync) co_return sync.error();
  bool synced = *sync != nullptr && PQresultStatus(*sync) == PGRES_PIPELINE_SYNC;
  PQclear(*sync);
  if (!synced) co_return fail(Error{ErrorKind::kConnection, {}, "pipeline out of step"});
  if (PQstatus(conn) == CONNECTION_BAD) broken = true;
  if (first_error) {
    if (first_error->kind == ErrorKind::kConnection) broken = true;
    co_return std::move(*first_error);
  }
  co_return rows;
}

Connection::Connection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

asio::awaitable<Result<std::unique_ptr<Connection>>> Connection::open(
    const ConnectionOptions& options) {
  auto timeout = "-c statement_timeout=" + std::to_string(options.statement_timeout.count());
  const char* keywords[] = {"dbname", "fallback_application_name", "options", nullptr};
  const char* values[] = {options.url.c_str(), options.application_name.c_str(), timeout.c_str(),
                          nullptr};
  struct Finish {
    void operator()(PGconn* conn) const { PQfinish(conn); }
  };
  std::unique_ptr<PGconn, Finish> conn(PQconnectStartParams(keywords, values, 1));
  if (!conn || PQstatus(conn.get()) == CONNECTION_BAD)
    co_return Error{ErrorKind::kUnavailable,
                    {},
                    trimmed_message(conn ? PQerrorMessage(conn.get()) : nullptr, "cannot connect")};
  for (auto poll = PGRES_POLLING_WRITING; poll != PGRES_POLLING_OK;
       poll = PQconnectPoll(conn.get())) {
    if (poll == PGRES_POLLING_FAILED)
      co_return Error{ErrorKind::kUnavailable,
                      {},
                      trimmed_message(PQerrorMessage(conn.get()), "connection failed")};
    auto what = poll == PGRES_POLLING_READING ? Wait::wait_read : Wait::wait_write;
    if (!co_await wait_socket(conn.get(), what))
      co_return Error{ErrorKind::kUnavailable, {}, "socket wait failed"};
  }
  if (PQsetnonblocking(conn.get(), 1) != 0 || PQenterPipelineMode(conn.get()) == 0)
    co_return Error{ErrorKind::kUnavailable,
                    {},
                    trimmed_message(PQerrorMessage(conn.get()), "cannot enter pipeline mode")};
  auto executor = co_await asio::this_coro::executor;
  co_return std::unique_ptr<Connection>(
      new Connection(std::make_shared<Impl>(conn.release(), executor, options)));
}

asio::awaitable<Result<std::vector<Rows>>> Connection::run(std::span<const Command> commands) {
  auto& impl = *impl_;
  if (impl.broken) co_return Error{ErrorKind::kConnection, {}, "connection is broken"};
  auto run = ++impl.runs;
  impl.timer.expires_after(impl.deadline);
  impl.timer.async_wait([weak = std::weak_ptr<Impl>(impl_), run](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->runs != run) return;
    self->timed_out = true;
    self->socket.cancel();  // the run's socket wait ends with operation_aborted
  });
  auto result = co_await impl.run(commands);
  ++impl.runs;
  impl.timer.cancel();
  if (impl.timed_out) {
    co_return impl.fail(Error{ErrorKind::kTimeout,
                              {},
                              "no answer within " + std::to_string(impl.deadline.count()) + " ms"});
  }
  co_return result;
}

bool Connection::broken() const { return impl_->broken || PQstatus(impl_->conn) == CONNECTION_BAD; }

bool Connection::in_transaction() const { return PQtransactionStatus(impl_->conn) != PQTRANS_IDLE; }

bool Connection::closed_by_server() const {
  pollfd fd{PQsocket(impl_->conn), POLLIN, 0};
  return ::poll(&fd, 1, 0) != 0;
}

std::chrono::steady_clock::time_point Connection::opened_at() const { return impl_->opened_at; }

}  // namespace tenantry::db
