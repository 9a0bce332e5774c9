// A small blocking HTTP/1.1 client for tests (never used by the product).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace tenantry::testing {

struct HttpResult {
  int status = 0;  // 0: no response (connection refused, reset, timeout)
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const;
};

// One request on a new connection to 127.0.0.1:port.
HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::vector<std::pair<std::string, std::string>>& headers = {},
                        const std::string& body = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends raw bytes and returns everything read until the server closes or
// the timeout passes.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace tenantry::testing
