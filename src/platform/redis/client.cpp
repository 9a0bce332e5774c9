// Pipelined connections: a writer loop and a reader loop per connection,
// each running only while there is something to write or read, so an idle
// client holds no pending work on its io_context.
#include "platform/redis/client.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <stdexcept>

#include "platform/base/deadline.h"
#include "platform/base/hex.h"

namespace tenantry::redis {

namespace asio = boost::asio;
namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

std::string encode(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}
}  // namespace

bool Reply::is_nil() const { return node_->type == REDIS_REPLY_NIL; }
bool Reply::is_error() const { return node_->type == REDIS_REPLY_ERROR; }
bool Reply::is_integer() const { return node_->type == REDIS_REPLY_INTEGER; }
bool Reply::is_array() const { return node_->type == REDIS_REPLY_ARRAY; }
std::string_view Reply::text() const {
  return node_->str ? std::string_view(node_->str, node_->len) : std::string_view();
}
long long Reply::integer() const { return node_->integer; }
std::size_t Reply::size() const { return is_array() ? node_->elements : 0; }
Reply Reply::operator[](std::size_t i) const {
  if (i >= size()) throw std::logic_error("Redis reply: no element " + std::to_string(i));
  return Reply(root_, node_->element[i]);
}

std::string_view error_class(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnavailable: return "unavailable";
    case ErrorKind::kTimeout: return "timeout";
    case ErrorKind::kConnection: return "connection";
  }
  return "connection";
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
  throw std::logic_error("Redis result used without checking its error: " + error.message);
}

Script::Script(std::string text) : body(std::move(text)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  sha1 = base::hex(digest);
}

// One caller waiting for its reply; shared with the connection's queue so
// that a reply arriving after the caller gave up has somewhere to go.
struct Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  std::optional<Result<Reply>> result;
  void deliver(Result<Reply> outcome) {
    if (result) return;
    result = std::move(outcome);
    timer.cancel();
  }
};

struct Connection : std::enable_shared_from_this<Connection> {
  Connection(asio::io_context& context, const ClientConfig& config, asio::ssl::context* tls)
      : stream(context.get_executor(), tls),
        reader(redisReaderCreate(), redisReaderFree),
        config(config) {}

  void fail_all(const Error& error) {
    if (broken) return;
    broken = true;
    stream.close();
    for (auto& waiter : pending) waiter->deliver(error);
    pending.clear();
  }

  void send(const std::string& bytes, std::shared_ptr<Waiter> waiter) {
    out += bytes;
    pending.push_back(std::move(waiter));
    if (!connected) return;  // the connect coroutine starts the loops
    start_loops();
  }

  void start_loops() {
    auto self = shared_from_this();
    if (!writing && !out.empty()) {
      writing = true;
      asio::co_spawn(
          stream.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
    }
    if (!reading && !pending.empty()) {
      reading = true;
      asio::co_spawn(
          stream.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
    }
  }

  asio::awaitable<void> write_loop() {
    while (!out.empty() && !broken) {
      std::string chunk;
      chunk.swap(out);
      auto [ec, n] = co_await stream.write(asio::buffer(chunk));
      if (ec) fail_all({ErrorKind::kConnection, "write: " + ec.message()});
    }
    writing = false;
  }

  asio::awaitable<void> read_loop() {
    char buffer[16 * 1024];
    while (!pending.empty() && !broken) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
        fail_all({ErrorKind::kConnection, "protocol error"});
        break;
      }
      if (raw != nullptr) {
        std::shared_ptr<redisReply> root(static_cast<redisReply*>(raw), freeReplyObject);
        auto waiter = std::move(pending.front());
        pending.pop_front();
        waiter->deliver(Reply(root, root.get()));
        continue;
      }
      auto [ec, n] = co_await stream.read_some(asio::buffer(buffer));
      if (ec) {
        fail_all({ErrorKind::kConnection, "read: " + ec.message()});
        break;
      }
      redisReaderFeed(reader.get(), buffer, n);
    }
    reading = false;
  }

  // Resolves, connects (and shakes hands, for TLS) within the connect
  // timeout, then queues AUTH ahead of whatever callers queued.
  asio::awaitable<void> connect() {
    auto self = shared_from_this();  // alive until connected or failed
    auto outcome =
        co_await base::with_deadline(stream.connect(config.endpoint), config.connect_timeout);
    if (!outcome || !outcome->empty()) {
      auto why = outcome ? *outcome
                         : "connect: no answer within " +
                               std::to_string(config.connect_timeout.count()) + " ms";
      fail_all({ErrorKind::kUnavailable, why});
      co_return;
    }
    const auto& endpoint = config.endpoint;
    if (!endpoint.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!endpoint.username.empty()) auth.push_back(endpoint.username);
      auth.push_back(endpoint.password);
      // First on the wire, its reply first in line; an error reply (a wrong
      // password) reaches nobody, and the commands after it get NOAUTH.
      out.insert(0, encode(auth));
      pending.push_front(std::make_shared<Waiter>(stream.get_executor()));
    }
    connected = true;
    start_loops();
  }

  Stream stream;
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader;
  const ClientConfig& config;
  std::string out;
  std::deque<std::shared_ptr<Waiter>> pending;
  bool connected = false;
  bool writing = false;
  bool reading = false;
  bool broken = false;
};

struct Client::Shard {
  Shard(asio::io_context& context, const ClientConfig& config, asio::ssl::context* tls)
      : context(context), config(config), tls(tls) {}

  std::shared_ptr<Connection> connection() {
    if (current && !current->broken) return current;
    current = std::make_shared<Connection>(context, config, tls);
    auto connection = current;
    asio::co_spawn(
        context, [connection]() { return connection->connect(); }, asio::detached);
    return current;
  }

  asio::io_context& context;
  const ClientConfig& config;
  asio::ssl::context* tls;
  std::shared_ptr<Connection> current;
};

Client::Client(ClientConfig config, std::span<asio::io_context* const> contexts,
               base::Logger& logger, redis::ClientMetrics* metrics)
    : config_(std::move(config)),
      logger_(logger),
      metrics_(metrics),
      breaker_(config_.breaker, [this](CircuitBreaker::State from, CircuitBreaker::State to) {
        if (metrics_) {
          metrics_->breaker_state.Set(to == CircuitBreaker::State::kOpen       ? 2
                                      : to == CircuitBreaker::State::kHalfOpen ? 1
                                                                               : 0);
        }
        auto level =
            to == CircuitBreaker::State::kOpen ? base::LogLevel::kWarn : base::LogLevel::kInfo;
        logger_.log(
            level, "redis circuit breaker",
            {{"concern", config_.concern}, {"from", state_name(from)}, {"to", state_name(to)}});
      }) {
  // One TLS context (its CAs loaded once) for every connection; a CA file
  // that cannot be loaded is a start-up failure, not a stream of errors.
  if (config_.endpoint.tls) tls_ = make_tls_context(config_.endpoint);
  for (auto* context : contexts)
    shards_.push_back(std::make_shared<Shard>(*context, config_, tls_.get()));
}

Client::~Client() = default;

CircuitBreaker::State Client::breaker_state() const { return breaker_.state(); }

asio::awaitable<Result<Reply>> Client::command(std::vector<std::string> args) {
  auto executor = co_await asio::this_coro::executor;
  auto* context = &asio::query(executor, asio::execution::context);
  Shard* shard = nullptr;
  for (auto& candidate : shards_) {
    if (static_cast<asio::execution_context*>(&candidate->context) == context)
      shard = candidate.get();
  }
  if (!shard) throw std::logic_error("redis::Client used from a thread it was not built for");
  if (!breaker_.allow())
    co_return Error{ErrorKind::kUnavailable, "circuit breaker open for " + config_.concern};

  auto started = std::chrono::steady_clock::now();
  auto connection = shard->connection();
  auto waiter = std::make_shared<Waiter>(executor);
  waiter->timer.expires_after(config_.command_timeout);
  connection->send(encode(args), waiter);
  co_await waiter->timer.async_wait(kNoThrow);
  if (!waiter->result) {
    // No reply in time: the connection's state is unknown; start afresh.
    Error timeout{ErrorKind::kTimeout,
                  "no reply within " + std::to_string(config_.command_timeout.count()) + " ms"};
    connection->fail_all(timeout);
    waiter->deliver(timeout);
  }
  if (*waiter->result) {
    breaker_.success();
  } else {
    breaker_.failure();
    if (metrics_) metrics_->error(error_class(waiter->result->error().kind));
  }
  if (metrics_) {
    metrics_->command_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  co_return std::move(*waiter->result);
}

asio::awaitable<void> Client::refresh_memory_metrics() {
  if (!metrics_) co_return;
  std::vector<std::string> info{"INFO", "memory"};
  auto reply = co_await command(std::move(info));
  if (!reply || reply->is_error()) co_return;
  auto text = reply->text();
  auto field = [&](std::string_view name) -> double {
    auto at = text.find(std::string(name) + ":");
    if (at == std::string_view::npos) return 0;
    return std::strtod(std::string(text.substr(at + name.size() + 1, 24)).c_str(), nullptr);
  };
  metrics_->used_memory_bytes.Set(field("\nused_memory"));
  metrics_->maxmemory_bytes.Set(field("\nmaxmemory"));
}

asio::awaitable<Result<Reply>> Client::eval(const Script& script, std::vector<std::string> keys,
                                            std::vector<std::string> args) {
  std::vector<std::string> call{"EVALSHA", script.sha1, std::to_string(keys.size())};
  call.insert(call.end(), keys.begin(), keys.end());
  call.insert(call.end(), args.begin(), args.end());
  auto reply = co_await command(call);
  if (!reply || !reply->is_error() || !reply->text().starts_with("NOSCRIPT")) co_return reply;
  std::vector<std::string> load{"SCRIPT", "LOAD", script.body};
  auto loaded = co_await command(std::move(load));
  if (!loaded) co_return loaded;
  co_return co_await command(std::move(call));
}

}  // namespace tenantry::redis
