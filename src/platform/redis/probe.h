// Redis endpoint configuration (redis:// URLs) and a minimal non-blocking
// reachability check (AUTH, PING) on Asio. The full client of the Redis
// layer grows from here.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace tenantry::redis {

struct Endpoint {
  std::string host;
  unsigned short port = 6379;
  std::string username;  // empty: the default user
  std::string password;  // empty: no AUTH
};

// Parses redis://[[user]:password@]host[:port][/db]. Throws
// base::ConfigError naming `variable` when malformed.
Endpoint parse_url(std::string_view variable, std::string_view url);

struct ProbeResult {
  bool ok = false;
  std::string error;  // for logs, never for response bodies
};

// Never throws; a timeout is a failed probe.
boost::asio::awaitable<ProbeResult> probe(Endpoint endpoint, std::chrono::milliseconds timeout);

// RESP encoding of one command (exposed for tests).
std::string encode_command(std::initializer_list<std::string_view> args);

}  // namespace tenantry::redis
