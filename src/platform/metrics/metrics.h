// The replica's metrics, in one place: declared here, exposed in Prometheus
// text format on the admin listener. Labels never carry tenant or user ids:
// routes are templates ("/v1/projects/{id}"), never raw paths.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tenantry::metrics {

class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry);

  // `route` must be a route template or a fixed word such as "unmatched".
  void observe(std::string_view method, std::string_view route, unsigned status, double seconds);
  // Requests refused before reaching a handler, by reason (overload,
  // header_too_large, body_too_large, timeout, bad_request).
  void rejected(std::string_view reason);

  // Requests being handled now. A plain atomic (the server's admission
  // counter too), copied into its gauge only when scraped.
  std::atomic<long> in_flight{0};
  prometheus::Gauge& connections;
  prometheus::Gauge& draining;

 private:
  struct Series {
    prometheus::Histogram* duration;
    prometheus::Counter* total;
  };
  friend class Metrics;
  prometheus::Gauge& in_flight_gauge_;
  Series& series(std::string_view method, std::string_view route, unsigned status);

  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& total_;
  prometheus::Family<prometheus::Counter>& rejected_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Series> series_;
};

// One PostgreSQL pool's metrics, labelled pool="primary" or "read". Several
// pools share the families (the registry merges same-name registrations).
class DbPoolMetrics {
 public:
  DbPoolMetrics(prometheus::Registry& registry, const std::string& pool);

  // Connections by state; waiters for a connection.
  prometheus::Gauge& idle;
  prometheus::Gauge& in_use;
  prometheus::Gauge& connecting;
  prometheus::Gauge& waiters;
  prometheus::Histogram& acquire_seconds;  // waiting for a connection (and opening it)
  prometheus::Histogram& query_seconds;    // one round trip of statements
  // Errors by class ("pool_timeout", "constraint", ... see db::error_class).
  void error(std::string_view error_class);

 private:
  prometheus::Family<prometheus::Counter>& errors_;
  std::string pool_;
  std::mutex mutex_;
  std::unordered_map<std::string, prometheus::Counter*> error_series_;
};

// One Redis concern's metrics (label concern="cache", "ratelimit", ...).
class RedisMetrics {
 public:
  RedisMetrics(prometheus::Registry& registry, const std::string& concern);

  prometheus::Histogram& command_seconds;
  prometheus::Gauge& breaker_state;      // 0 closed, 1 half-open, 2 open
  prometheus::Gauge& used_memory_bytes;  // from INFO memory, refreshed at each scrape
  prometheus::Gauge& maxmemory_bytes;
  // Failed commands by kind ("unavailable", "timeout", "connection").
  void error(std::string_view kind);

 private:
  prometheus::Family<prometheus::Counter>& errors_;
  std::string concern_;
  std::mutex mutex_;
  std::unordered_map<std::string, prometheus::Counter*> error_series_;
};

// Password hashing (argon2id on its own pool): work done, and work refused
// because the queue, or a source's share of it, was full (answered 503).
struct PasswordHashMetrics {
  explicit PasswordHashMetrics(prometheus::Registry& registry);
  prometheus::Counter& runs;
  prometheus::Counter& refused;
};

class Metrics {
 public:
  explicit Metrics(std::string_view version);

  prometheus::Registry& registry() { return *registry_; }
  HttpMetrics& http() { return http_; }
  // Everything in the registry plus process CPU, memory and start time.
  std::string expose();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  HttpMetrics http_;
  double start_time_seconds_;
};

// Collapses a method outside the standard set to "OTHER" (bounded labels).
std::string_view method_label(std::string_view method);

}  // namespace tenantry::metrics
