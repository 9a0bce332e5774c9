// redis:// and rediss:// parsing, and the TCP-or-TLS Stream.
#include "platform/redis/endpoint.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <memory>

#include "platform/base/config.h"

namespace tenantry::redis {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

Endpoint parse_url(std::string_view variable, std::string_view url) {
  auto bad = [&](std::string_view why) {
    // The URL may hold a password: never echo it.
    return base::ConfigError(std::string(variable) + ": " + std::string(why) +
                             " (expected redis[s]://[[user]:password@]host[:port][/db])");
  };
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw bad("not a valid URL");
  if (parsed->scheme() != "redis" && parsed->scheme() != "rediss") {
    throw bad("scheme must be redis or rediss (TLS)");
  }
  Endpoint endpoint;
  endpoint.tls = parsed->scheme() == "rediss";
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

std::shared_ptr<asio::ssl::context> make_tls_context(const Endpoint& endpoint) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  // Without a trusted chain the handshake fails: there is no switch to skip
  // verification, since an unverified TLS connection hides a man in the
  // middle as well as it hides the traffic.
  context->set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  if (endpoint.tls_ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) throw base::ConfigError("Redis TLS: cannot load the system's CAs: " + ec.message());
  } else {
    context->load_verify_file(endpoint.tls_ca_file, ec);
    if (ec) {
      throw base::ConfigError("Redis TLS: cannot load CA file " + endpoint.tls_ca_file + ": " +
                              ec.message());
    }
  }
  return context;
}

struct Stream::Tls {
  Tls(tcp::socket& socket, asio::ssl::context& context) : stream(socket, context) {}
  asio::ssl::stream<tcp::socket&> stream;
};

Stream::Stream(const asio::any_io_executor& executor, asio::ssl::context* tls) : socket_(executor) {
  if (tls) tls_ = std::make_unique<Tls>(socket_, *tls);
}

Stream::~Stream() = default;

asio::awaitable<std::string> Stream::connect(const Endpoint& endpoint) {
  tcp::resolver resolver(socket_.get_executor());
  auto [rec, results] =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow);
  if (rec) co_return "resolve: " + rec.message();
  auto [cec, connected] = co_await asio::async_connect(socket_, results, kNoThrow);
  if (cec) co_return "connect: " + cec.message();
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  if (!tls_) co_return "";

  SSL* ssl = tls_->stream.native_handle();
  // SNI names a host, never an address (RFC 6066); the certificate check
  // takes either (OpenSSL 3 matches an IP literal against IP SANs).
  boost::system::error_code not_an_address;
  asio::ip::make_address(endpoint.host, not_an_address);
  if (not_an_address && SSL_set_tlsext_host_name(ssl, endpoint.host.c_str()) != 1)
    co_return "tls: cannot set the server name";
  if (SSL_set1_host(ssl, endpoint.host.c_str()) != 1)
    co_return "tls: cannot set the host to verify";
  auto [hec] = co_await tls_->stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (hec) {
    std::string why = "tls handshake: " + hec.message();
    // Which check failed (an unknown CA, a name mismatch, an expired
    // certificate): the handshake error alone does not say.
    auto verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) why += ": " + std::string(X509_verify_cert_error_string(verify));
    co_return why;
  }
  co_return "";
}

asio::awaitable<Stream::IoResult> Stream::read_some(asio::mutable_buffer buffer) {
  if (tls_) return tls_->stream.async_read_some(buffer, kNoThrow);
  return socket_.async_read_some(buffer, kNoThrow);
}

asio::awaitable<Stream::IoResult> Stream::write(asio::const_buffer buffer) {
  if (tls_) return asio::async_write(tls_->stream, buffer, kNoThrow);
  return asio::async_write(socket_, buffer, kNoThrow);
}

void Stream::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace tenantry::redis
