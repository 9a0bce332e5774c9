// Prometheus exposition: names, types, buckets, bounded labels.
#include "platform/metrics/metrics.h"

#include <gtest/gtest.h>

#include <regex>

#include "platform/http/metrics.h"

namespace tenantry::metrics {
namespace {

TEST(Metrics, ExposesRequestHistogramByRouteTemplateAndStatusClass) {
  Metrics metrics("1.2.3");
  http::HttpMetrics http(metrics);
  http.observe("GET", "/v1/projects/{id}", 200, 0.003);
  http.observe("GET", "/v1/projects/{id}", 204, 0.2);
  http.observe("BREW", "unmatched", 404, 0.0001);
  auto text = metrics.expose();

  EXPECT_NE(text.find("# TYPE tenantry_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(text.find("tenantry_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/"
                      "projects/{id}\",status_class=\"2xx\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tenantry_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
                      "projects/{id}\",status_class=\"2xx\",le=\"0.005\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\"} 2"), std::string::npos);
  EXPECT_NE(
      text.find(
          "tenantry_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("tenantry_build_info{component=\"api\",version=\"1.2.3\"} 1"),
            std::string::npos);
}

TEST(Metrics, ExposesProcessMetrics) {
  Metrics metrics("x");
  auto text = metrics.expose();
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("process_resident_memory_bytes ([0-9.e+]+)")));
  EXPECT_GT(std::stod(m[1]), 1e6);  // a real RSS, not a placeholder
  EXPECT_NE(text.find("process_start_time_seconds"), std::string::npos);
}

TEST(Metrics, EveryLineIsValidExpositionFormat) {
  Metrics metrics("x");
  http::HttpMetrics http(metrics);
  http.observe("GET", "/livez", 200, 0.001);
  http.rejected("overload");
  auto text = metrics.expose();
  std::regex comment("^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$");
  std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? [-+0-9.eEInfNa]+$)");
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] == '#')
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
    else {
      EXPECT_TRUE(std::regex_match(line, sample)) << line;
      ++samples;
    }
  }
  EXPECT_GT(samples, 10);
}

TEST(Metrics, MethodLabelIsBounded) {
  EXPECT_EQ(http::method_label("GET"), "GET");
  EXPECT_EQ(http::method_label("PATCH"), "PATCH");
  EXPECT_EQ(http::method_label("X-ATTACK-VECTOR"), "OTHER");
}

TEST(Metrics, TheReferenceTableComesFromTheDeclarations) {
  constexpr MetricDeclaration kList[] = {
      {"tenantry_x_total", MetricType::kCounter, "pool,class", "Things by pool and class"},
      {"tenantry_y", MetricType::kGauge, "", "One value"},
  };
  MetricGroup groups[] = {{"X", kList}};
  EXPECT_EQ(metrics_markdown(groups),
            "| metric | type | labels | meaning |\n|---|---|---|---|\n| **X** | | | |\n"
            "| `tenantry_x_total` | counter | `pool`, `class` | Things by pool and class |\n"
            "| `tenantry_y` | gauge |  | One value |\n");
}

}  // namespace
}  // namespace tenantry::metrics
