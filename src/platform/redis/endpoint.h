// Where a Redis is (redis:// and rediss:// URLs) and the client's
// connection to it: TCP, or TLS for rediss://.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>

namespace boost::asio::ssl {
class context;
}

namespace tenantry::redis {

struct Endpoint {
  std::string host;  // also the name the server's TLS certificate must carry
  unsigned short port = 6379;
  std::string username;  // empty: the default user
  std::string password;  // empty: no AUTH
  bool tls = false;      // rediss://
  // The CA bundle that the server's certificate must chain to; empty: the
  // system's trust store. Not part of the URL (a file path, set apart).
  std::string tls_ca_file;
};

// Parses redis[s]://[[user]:password@]host[:port][/db]. Throws
// base::ConfigError naming `variable` when malformed.
Endpoint parse_url(std::string_view variable, std::string_view url);

// The TLS client context for a rediss:// endpoint, made once and shared by
// its connections: the server's certificate must chain to tls_ca_file (or a
// system CA); Stream checks the host name on each connection. Throws
// base::ConfigError when the CA file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const Endpoint& endpoint);

// One connection to Redis: plain TCP, or TLS when made with a context. Plain
// TCP reads and writes the socket directly, as if there were no TLS at all.
class Stream {
 public:
  using IoResult = std::tuple<boost::system::error_code, std::size_t>;

  // `tls` (may be null: plain TCP) must outlive the stream.
  Stream(const boost::asio::any_io_executor& executor, boost::asio::ssl::context* tls);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Resolves, connects and, under TLS, shakes hands, verifying the server's
  // certificate and host name. Returns "" or why not (for logs). Unbounded:
  // callers put it under a deadline.
  boost::asio::awaitable<std::string> connect(const Endpoint& endpoint);
  boost::asio::awaitable<IoResult> read_some(boost::asio::mutable_buffer buffer);
  boost::asio::awaitable<IoResult> write(boost::asio::const_buffer buffer);
  void close();  // aborts pending reads and writes
  boost::asio::any_io_executor get_executor() { return socket_.get_executor(); }

 private:
  struct Tls;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<Tls> tls_;  // null: plain TCP
};

}  // namespace tenantry::redis
