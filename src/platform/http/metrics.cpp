// The HTTP server's metrics.
#include "platform/http/metrics.h"

#include <mutex>

namespace tenantry::http {
namespace {

std::string status_class(unsigned status) { return std::to_string(status / 100) + "xx"; }

}  // namespace

std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "OTHER";
}

HttpMetrics::HttpMetrics(metrics::Metrics& metrics)
    : connections(metrics::gauge_family(metrics.registry(), kConnections).Add({})),
      draining(metrics::gauge_family(metrics.registry(), kDraining).Add({})),
      in_flight_gauge_(metrics::gauge_family(metrics.registry(), kInFlight).Add({})),
      duration_(metrics::histogram_family(metrics.registry(), kRequestDuration)),
      total_(metrics::counter_family(metrics.registry(), kRequests)),
      rejected_(metrics::counter_family(metrics.registry(), kRejected)) {
  metrics.before_expose([this] { in_flight_gauge_.Set(static_cast<double>(in_flight.load())); });
}

HttpMetrics::Series& HttpMetrics::series(std::string_view method, std::string_view route,
                                         unsigned status) {
  std::string key;
  key.reserve(method.size() + route.size() + 6);
  key.append(method).append(" ").append(route).append(" ").append(std::to_string(status));
  {
    std::shared_lock lock(mutex_);
    auto it = series_.find(key);
    if (it != series_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto [it, inserted] = series_.try_emplace(key);
  if (inserted) {
    std::string m(method), r(route);
    it->second.duration =
        &duration_.Add({{"method", m}, {"route", r}, {"status_class", status_class(status)}},
                       metrics::kLatencyBuckets);
    it->second.total =
        &total_.Add({{"method", m}, {"route", r}, {"status", std::to_string(status)}});
  }
  return it->second;
}

void HttpMetrics::observe(std::string_view method, std::string_view route, unsigned status,
                          double seconds) {
  auto& s = series(method_label(method), route, status);
  s.duration->Observe(seconds);
  s.total->Increment();
}

void HttpMetrics::rejected(std::string_view reason) {
  rejected_.Add({{"reason", std::string(reason)}}).Increment();
}

}  // namespace tenantry::http
