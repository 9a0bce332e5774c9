// Prometheus metrics of a replica, and process metrics read from /proc.
#include "platform/metrics/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>

namespace tenantry::metrics {
namespace {

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

prometheus::Gauge& unlabelled_gauge(prometheus::Registry& registry, const std::string& name,
                                    const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

std::string status_class(unsigned status) { return std::to_string(status / 100) + "xx"; }

prometheus::MetricFamily single(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter)
    metric.counter.value = value;
  else
    metric.gauge.value = value;
  family.metric.push_back(metric);
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

}  // namespace

std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "OTHER";
}

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : connections(unlabelled_gauge(registry, "tenantry_http_connections_open",
                                   "Open client connections on the public listener")),
      draining(unlabelled_gauge(registry, "tenantry_draining",
                                "1 once the replica has been asked to shut down")),
      in_flight_gauge_(unlabelled_gauge(registry, "tenantry_http_requests_in_flight",
                                        "Requests being handled by this replica")),
      duration_(prometheus::BuildHistogram()
                    .Name("tenantry_http_request_duration_seconds")
                    .Help("Time from a complete request header to the response written")
                    .Register(registry)),
      total_(prometheus::BuildCounter()
                 .Name("tenantry_http_requests_total")
                 .Help("Requests answered, by method, route template and status code")
                 .Register(registry)),
      rejected_(prometheus::BuildCounter()
                    .Name("tenantry_http_rejected_total")
                    .Help("Requests refused before routing, by reason")
                    .Register(registry)) {}

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
    it->second.duration = &duration_.Add(
        {{"method", m}, {"route", r}, {"status_class", status_class(status)}}, kLatencyBuckets);
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

namespace {

prometheus::Gauge& pool_gauge(prometheus::Registry& registry, const std::string& name,
                              const std::string& help, prometheus::Labels labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
}

prometheus::Histogram& pool_histogram(prometheus::Registry& registry, const std::string& name,
                                      const std::string& help, const std::string& pool) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({{"pool", pool}},
                                                                                   kLatencyBuckets);
}

}  // namespace

DbPoolMetrics::DbPoolMetrics(prometheus::Registry& registry, const std::string& pool)
    : idle(pool_gauge(registry, "tenantry_db_connections", "PostgreSQL connections by state",
                      {{"pool", pool}, {"state", "idle"}})),
      in_use(pool_gauge(registry, "tenantry_db_connections", "PostgreSQL connections by state",
                        {{"pool", pool}, {"state", "in_use"}})),
      connecting(pool_gauge(registry, "tenantry_db_connections", "PostgreSQL connections by state",
                            {{"pool", pool}, {"state", "connecting"}})),
      waiters(pool_gauge(registry, "tenantry_db_pool_waiters",
                         "Callers waiting for a free connection", {{"pool", pool}})),
      acquire_seconds(pool_histogram(registry, "tenantry_db_acquire_duration_seconds",
                                     "Time to get a connection from the pool", pool)),
      query_seconds(pool_histogram(registry, "tenantry_db_query_duration_seconds",
                                   "Time of one round trip of statements", pool)),
      errors_(prometheus::BuildCounter()
                  .Name("tenantry_db_errors_total")
                  .Help("Database errors by class")
                  .Register(registry)),
      pool_(pool) {}

void DbPoolMetrics::error(std::string_view error_class) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = error_series_.try_emplace(std::string(error_class));
  if (inserted) it->second = &errors_.Add({{"pool", pool_}, {"class", it->first}});
  it->second->Increment();
}

PasswordHashMetrics::PasswordHashMetrics(prometheus::Registry& registry)
    : runs(prometheus::BuildCounter()
               .Name("tenantry_password_hashes_total")
               .Help("argon2id hashes and verifications run")
               .Register(registry)
               .Add({})),
      refused(prometheus::BuildCounter()
                  .Name("tenantry_password_hashes_refused_total")
                  .Help("Hashes refused because the queue or a source's share of it was full")
                  .Register(registry)
                  .Add({})) {}

RedisMetrics::RedisMetrics(prometheus::Registry& registry, const std::string& concern)
    : command_seconds(prometheus::BuildHistogram()
                          .Name("tenantry_redis_command_duration_seconds")
                          .Help("Redis command round trips, by concern")
                          .Register(registry)
                          .Add({{"concern", concern}}, kLatencyBuckets)),
      breaker_state(pool_gauge(registry, "tenantry_redis_breaker_state",
                               "Circuit breaker per Redis concern: 0 closed, 1 half-open, 2 open",
                               {{"concern", concern}})),
      used_memory_bytes(pool_gauge(registry, "tenantry_redis_used_memory_bytes",
                                   "Redis used_memory (INFO memory), read at each scrape",
                                   {{"concern", concern}})),
      maxmemory_bytes(pool_gauge(registry, "tenantry_redis_maxmemory_bytes",
                                 "Redis maxmemory (INFO memory), read at each scrape",
                                 {{"concern", concern}})),
      errors_(prometheus::BuildCounter()
                  .Name("tenantry_redis_errors_total")
                  .Help("Failed Redis commands by concern and kind")
                  .Register(registry)),
      concern_(concern) {}

void RedisMetrics::error(std::string_view kind) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = error_series_.try_emplace(std::string(kind));
  if (inserted) it->second = &errors_.Add({{"concern", concern_}, {"kind", it->first}});
  it->second->Increment();
}

Metrics::Metrics(std::string_view version)
    : registry_(std::make_shared<prometheus::Registry>()),
      http_(*registry_),
      start_time_seconds_(
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count()) {
  prometheus::BuildGauge()
      .Name("tenantry_build_info")
      .Help("Build of the running binary; always 1")
      .Register(*registry_)
      .Add({{"version", std::string(version)}, {"component", "api"}})
      .Set(1);
}

std::string Metrics::expose() {
  http_.in_flight_gauge_.Set(static_cast<double>(http_.in_flight.load()));
  auto families = registry_->Collect();
  auto process = sample_process();
  families.push_back(single("process_cpu_seconds_total", "User and system CPU time spent",
                            prometheus::MetricType::Counter, process.cpu_seconds));
  families.push_back(single("process_resident_memory_bytes", "Resident memory size",
                            prometheus::MetricType::Gauge, process.resident_bytes));
  families.push_back(single("process_start_time_seconds", "Start time since the Unix epoch",
                            prometheus::MetricType::Gauge, start_time_seconds_));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace tenantry::metrics
