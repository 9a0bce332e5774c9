// Families built from declarations, the reference table, and the exposition
// of a process's metrics with process metrics read from /proc.
#include "platform/metrics/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace tenantry::metrics {

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

namespace {

template <typename Builder>
auto& build(Builder builder, prometheus::Registry& registry, const MetricDeclaration& metric) {
  return builder.Name(std::string(metric.name)).Help(std::string(metric.help)).Register(registry);
}

prometheus::MetricFamily single(const MetricDeclaration& metric, double value) {
  prometheus::MetricFamily family;
  family.name = std::string(metric.name);
  family.help = std::string(metric.help);
  family.type = metric.type == MetricType::kCounter ? prometheus::MetricType::Counter
                                                    : prometheus::MetricType::Gauge;
  prometheus::ClientMetric sample;
  if (metric.type == MetricType::kCounter)
    sample.counter.value = value;
  else
    sample.gauge.value = value;
  family.metric.push_back(sample);
  return family;
}

struct ProcessSample {
  double cpu_seconds = 0;
  double resident_bytes = 0;
};

ProcessSample sample_process() {
  ProcessSample sample;
  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the parenthesised command name; utime and stime are the
  // 14th and 15th fields of the whole line.
  auto close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    sample.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (statm >> pages_total >> pages_resident) {
    sample.resident_bytes = static_cast<double>(pages_resident) * sysconf(_SC_PAGESIZE);
  }
  return sample;
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "gauge";
}

}  // namespace

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry,
                                                        const MetricDeclaration& metric) {
  return build(prometheus::BuildCounter(), registry, metric);
}

prometheus::Family<prometheus::Gauge>& gauge_family(prometheus::Registry& registry,
                                                    const MetricDeclaration& metric) {
  return build(prometheus::BuildGauge(), registry, metric);
}

prometheus::Family<prometheus::Histogram>& histogram_family(prometheus::Registry& registry,
                                                            const MetricDeclaration& metric) {
  return build(prometheus::BuildHistogram(), registry, metric);
}

CounterSeries::CounterSeries(prometheus::Family<prometheus::Counter>& family,
                             prometheus::Labels fixed, std::string label)
    : family_(family), fixed_(std::move(fixed)), label_(std::move(label)) {}

void CounterSeries::increment(std::string_view value) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = series_.try_emplace(std::string(value));
  if (inserted) {
    auto labels = fixed_;
    labels[label_] = it->first;
    it->second = &family_.Add(labels);
  }
  it->second->Increment();
}

std::string metrics_markdown(std::span<const MetricGroup> groups) {
  std::string out = "| metric | type | labels | meaning |\n|---|---|---|---|\n";
  for (const auto& group : groups) {
    out += "| **" + std::string(group.title) + "** | | | |\n";
    for (const auto& metric : group.metrics) {
      std::string labels;
      for (std::size_t start = 0; start < metric.labels.size();) {
        auto comma = std::min(metric.labels.find(',', start), metric.labels.size());
        labels += (labels.empty() ? "`" : ", `") +
                  std::string(metric.labels.substr(start, comma - start)) + "`";
        start = comma + 1;
      }
      out += "| `" + std::string(metric.name) + "` | " + std::string(type_name(metric.type)) +
             " | " + labels + " | " + std::string(metric.help) + " |\n";
    }
  }
  return out;
}

Metrics::Metrics(std::string_view version, std::string_view component)
    : registry_(std::make_shared<prometheus::Registry>()),
      start_time_seconds_(
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count()) {
  gauge_family(*registry_, kBuildInfo)
      .Add({{"version", std::string(version)}, {"component", std::string(component)}})
      .Set(1);
}

void Metrics::before_expose(std::function<void()> refresh) {
  refreshes_.push_back(std::move(refresh));
}

std::string Metrics::expose() {
  for (const auto& refresh : refreshes_) refresh();
  auto families = registry_->Collect();
  auto process = sample_process();
  families.push_back(single(kProcessMetrics[1], process.cpu_seconds));
  families.push_back(single(kProcessMetrics[2], process.resident_bytes));
  families.push_back(single(kProcessMetrics[3], start_time_seconds_));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace tenantry::metrics
