// The HTTP server's metrics: declared in one list, built at start-up.
#pragma once

#include <atomic>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "platform/metrics/metrics.h"

namespace tenantry::http {

using metrics::MetricType;

inline constexpr metrics::MetricDeclaration kRequestDuration{
    "tenantry_http_request_duration_seconds", MetricType::kHistogram, "method,route,status_class",
    "Time from a complete request header to the response written"};
inline constexpr metrics::MetricDeclaration kRequests{
    "tenantry_http_requests_total", MetricType::kCounter, "method,route,status",
    "Requests answered, by method, route template and status code"};
inline constexpr metrics::MetricDeclaration kRejected{
    "tenantry_http_rejected_total", MetricType::kCounter, "reason",
    "Requests and connections refused before a handler, by reason: connection_limit, timeout, "
    "header_too_large, body_too_large, bad_request, overload, invalid_input"};
inline constexpr metrics::MetricDeclaration kInFlight{"tenantry_http_requests_in_flight",
                                                      MetricType::kGauge, "",
                                                      "Requests being handled by this replica"};
inline constexpr metrics::MetricDeclaration kConnections{
    "tenantry_http_connections_open", MetricType::kGauge, "",
    "Open client connections on the public listener"};
inline constexpr metrics::MetricDeclaration kDraining{
    "tenantry_draining", MetricType::kGauge, "", "1 once the replica has been asked to shut down"};
inline constexpr metrics::MetricDeclaration kServerMetrics[] = {
    kRequestDuration, kRequests, kRejected, kInFlight, kConnections, kDraining};

class HttpMetrics {
 public:
  // Registers the families in `metrics`' registry, and copies in_flight into
  // its gauge before each exposition.
  explicit HttpMetrics(metrics::Metrics& metrics);

  // `route` must be a route template or a fixed word such as "unmatched".
  void observe(std::string_view method, std::string_view route, unsigned status, double seconds);
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
  Series& series(std::string_view method, std::string_view route, unsigned status);

  prometheus::Gauge& in_flight_gauge_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& total_;
  prometheus::Family<prometheus::Counter>& rejected_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Series> series_;
};

// Collapses a method outside the standard set to "OTHER" (bounded labels).
std::string_view method_label(std::string_view method);

}  // namespace tenantry::http
