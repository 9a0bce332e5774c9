// The metrics mechanism: declarations, the registry and its Prometheus text
// exposition on the admin listener. Each module declares its own metrics in
// one list in its folder (platform/http/metrics.h, ...). Labels never carry
// tenant or user ids: routes are templates ("/v1/projects/{id}"), never raw
// paths.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tenantry::metrics {

// A metric, declared once in its module's list (Envoy's stats macros are
// the model): name, type, labels and help. Modules build their families
// from these declarations at start-up; docs/metrics.md is generated from
// the lists.
enum class MetricType { kCounter, kGauge, kHistogram };

struct MetricDeclaration {
  std::string_view name;
  MetricType type;
  std::string_view labels;  // comma-separated names; their values are bounded
  std::string_view help;
};

struct MetricGroup {
  std::string_view title;
  std::span<const MetricDeclaration> metrics;
};

// The latency buckets of every duration histogram, in seconds.
extern const prometheus::Histogram::BucketBoundaries kLatencyBuckets;

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry,
                                                        const MetricDeclaration& metric);
prometheus::Family<prometheus::Gauge>& gauge_family(prometheus::Registry& registry,
                                                    const MetricDeclaration& metric);
prometheus::Family<prometheus::Histogram>& histogram_family(prometheus::Registry& registry,
                                                            const MetricDeclaration& metric);

// The series of one counter family with some labels fixed and one more
// whose value is bounded but known only at the first increment (an error
// class, a kind), made on first use. Thread-safe.
class CounterSeries {
 public:
  CounterSeries(prometheus::Family<prometheus::Counter>& family, prometheus::Labels fixed,
                std::string label);
  void increment(std::string_view value);

 private:
  prometheus::Family<prometheus::Counter>& family_;
  prometheus::Labels fixed_;
  std::string label_;
  std::mutex mutex_;
  std::unordered_map<std::string, prometheus::Counter*> series_;
};

// The metrics of every process, whatever it runs.
inline constexpr MetricDeclaration kBuildInfo{"tenantry_build_info", MetricType::kGauge,
                                              "version,component",
                                              "Build of the running binary; always 1"};
inline constexpr MetricDeclaration kProcessMetrics[] = {
    kBuildInfo,
    {"process_cpu_seconds_total", MetricType::kCounter, "", "User and system CPU time spent"},
    {"process_resident_memory_bytes", MetricType::kGauge, "", "Resident memory size"},
    {"process_start_time_seconds", MetricType::kGauge, "", "Start time since the Unix epoch"},
};

// The reference table of docs/metrics.md.
std::string metrics_markdown(std::span<const MetricGroup> groups);

// The registry a process's modules register in, and its exposition.
class Metrics {
 public:
  explicit Metrics(std::string_view version, std::string_view component = "api");

  prometheus::Registry& registry() { return *registry_; }
  // Runs before each exposition (a gauge copied from an atomic); `refresh`
  // must outlive this object.
  void before_expose(std::function<void()> refresh);
  // Everything in the registry plus process CPU, memory and start time.
  std::string expose();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::function<void()>> refreshes_;
  double start_time_seconds_;
};

}  // namespace tenantry::metrics
