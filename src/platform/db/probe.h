// Minimal non-blocking PostgreSQL reachability check (connect, SELECT 1) on
// Asio, for readiness and /v1/ping. The pooled client of the data layer
// replaces the connection handling; the readiness contract stays.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

namespace tenantry::db {

struct ProbeResult {
  bool ok = false;
  std::string error;  // libpq's message; for logs, never for response bodies
};

// Never throws; a timeout is a failed probe.
boost::asio::awaitable<ProbeResult> probe(std::string conninfo, std::chrono::milliseconds timeout);

}  // namespace tenantry::db
