// A non-blocking Redis client on Asio, one per concern (cache, rate limits,
// queues), each with its own URL and circuit breaker. Per server thread, one
// connection carries every caller's commands pipelined: commands are
// written as they come and replies matched in order (hiredis's reader
// parses them). Every command has a deadline; a command that misses it
// closes its connection (its state is unknown) and the next one reconnects,
// with backoff. While the breaker is open, commands fail at once. A rediss://
// URL connects over TLS, verifying the server (see Stream in endpoint.h).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/base/log.h"
#include "platform/redis/breaker.h"
#include "platform/redis/endpoint.h"
#include "platform/redis/metrics.h"

struct redisReply;
namespace boost::asio {
class io_context;
}

namespace tenantry::redis {

// A reply (or one element of an array reply). Error replies (-ERR ...) are
// replies, not failures: the server answered.
class Reply {
 public:
  Reply(std::shared_ptr<redisReply> root, redisReply* node) : root_(std::move(root)), node_(node) {}
  bool is_nil() const;
  bool is_error() const;
  bool is_integer() const;
  bool is_array() const;
  std::string_view text() const;  // string, status or error text
  long long integer() const;
  std::size_t size() const;  // array length
  Reply operator[](std::size_t i) const;

 private:
  std::shared_ptr<redisReply> root_;
  redisReply* node_;
};

enum class ErrorKind {
  kUnavailable,  // the breaker is open, or no connection could be made
  kTimeout,      // no reply within the command timeout
  kConnection,   // the connection broke
};

struct Error {
  ErrorKind kind = ErrorKind::kConnection;
  std::string message;  // for logs
};
std::string_view error_class(ErrorKind kind);

template <typename T>
using Result = boost::system::result<T, Error>;
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location&);

struct ClientConfig {
  std::string concern = "cache";  // metrics label and log field
  Endpoint endpoint;
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds connect_timeout{500};
  BreakerConfig breaker;
};

// A Lua script called by EVALSHA; loaded (SCRIPT LOAD) on NOSCRIPT.
struct Script {
  explicit Script(std::string body);
  std::string body;
  std::string sha1;  // hex
};

class Client {
 public:
  // One connection per context; command() must run on one of them.
  // `metrics` may be null (tests, benchmarks); it must outlive the client.
  Client(ClientConfig config, std::span<boost::asio::io_context* const> contexts,
         base::Logger& logger, redis::ClientMetrics* metrics = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  boost::asio::awaitable<Result<Reply>> command(std::vector<std::string> args);
  boost::asio::awaitable<Result<Reply>> eval(const Script& script, std::vector<std::string> keys,
                                             std::vector<std::string> args);
  CircuitBreaker::State breaker_state() const;
  // Reads used_memory and maxmemory (INFO memory) into the metrics; for the
  // /metrics handler, so Redis memory is watched at every scrape.
  boost::asio::awaitable<void> refresh_memory_metrics();
  const ClientConfig& config() const { return config_; }

  struct Shard;

 private:
  ClientConfig config_;
  base::Logger& logger_;
  redis::ClientMetrics* metrics_;
  CircuitBreaker breaker_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // rediss:// only
  std::vector<std::shared_ptr<Shard>> shards_;
};

}  // namespace tenantry::redis
