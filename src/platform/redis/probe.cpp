// redis:// parsing, RESP encoding, and PING over an Asio socket with
// hiredis's reply parser.
#include "platform/redis/probe.h"

#include <hiredis/hiredis.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <memory>

#include "platform/base/config.h"
#include "platform/base/deadline.h"

namespace tenantry::redis {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct ReaderDeleter {
  void operator()(redisReader* reader) const { redisReaderFree(reader); }
};
struct ReplyDeleter {
  void operator()(void* reply) const { freeReplyObject(reply); }
};

// Reads one reply; an error reply or a broken connection is an error string.
asio::awaitable<std::string> read_reply(tcp::socket& socket, redisReader* reader,
                                        std::string& status) {
  char chunk[512];
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader, &raw) != REDIS_OK) co_return "protocol error";
    if (raw != nullptr) {
      std::unique_ptr<void, ReplyDeleter> owned(raw);
      auto* reply = static_cast<redisReply*>(raw);
      if (reply->type == REDIS_REPLY_ERROR) co_return std::string(reply->str, reply->len);
      if (reply->type == REDIS_REPLY_STATUS) status.assign(reply->str, reply->len);
      co_return "";
    }
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), kNoThrow);
    if (ec) co_return ec.message();
    redisReaderFeed(reader, chunk, n);
  }
}

asio::awaitable<ProbeResult> probe_unbounded(Endpoint endpoint) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [rec, results] =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow);
  if (rec) co_return ProbeResult{false, "resolve: " + rec.message()};
  tcp::socket socket(executor);
  auto [cec, connected] = co_await asio::async_connect(socket, results, kNoThrow);
  if (cec) co_return ProbeResult{false, "connect: " + cec.message()};

  std::string request;
  int replies = 1;
  if (!endpoint.password.empty()) {
    request = endpoint.username.empty()
                  ? encode_command({"AUTH", endpoint.password})
                  : encode_command({"AUTH", endpoint.username, endpoint.password});
    ++replies;
  }
  request += encode_command({"PING"});
  auto [wec, written] = co_await asio::async_write(socket, asio::buffer(request), kNoThrow);
  if (wec) co_return ProbeResult{false, "write: " + wec.message()};

  std::unique_ptr<redisReader, ReaderDeleter> reader(redisReaderCreate());
  std::string status;
  for (int i = 0; i < replies; ++i) {
    auto error = co_await read_reply(socket, reader.get(), status);
    // Redis's own error text (e.g. WRONGPASS) never contains the password.
    if (!error.empty()) co_return ProbeResult{false, error};
  }
  if (status != "PONG") co_return ProbeResult{false, "unexpected reply to PING: " + status};
  co_return ProbeResult{true, {}};
}

}  // namespace

std::string encode_command(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

Endpoint parse_url(std::string_view variable, std::string_view url) {
  auto bad = [&](std::string_view why) {
    // The URL may hold a password: never echo it.
    return base::ConfigError(std::string(variable) + ": " + std::string(why) +
                             " (expected redis://[[user]:password@]host[:port][/db])");
  };
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw bad("not a valid URL");
  if (parsed->scheme() != "redis") {
    throw bad(parsed->scheme() == "rediss" ? "TLS (rediss://) is not supported yet"
                                           : "scheme must be redis");
  }
  Endpoint endpoint;
  endpoint.host = parsed->host();
  if (endpoint.host.empty()) throw bad("missing host");
  if (parsed->has_port()) {
    auto port = parsed->port_number();
    if (port == 0) throw bad("port must be in 1..65535");
    endpoint.port = port;
  }
  if (parsed->has_userinfo()) {
    endpoint.username = parsed->user();
    endpoint.password = parsed->password();
  }
  auto path = parsed->path();
  if (!path.empty() && path != "/" && path != "/0") throw bad("only database 0 is supported");
  return endpoint;
}

asio::awaitable<ProbeResult> probe(Endpoint endpoint, std::chrono::milliseconds timeout) {
  auto result = co_await base::with_deadline(probe_unbounded(std::move(endpoint)), timeout);
  if (!result)
    co_return ProbeResult{false, "timed out after " + std::to_string(timeout.count()) + " ms"};
  co_return std::move(*result);
}

}  // namespace tenantry::redis
