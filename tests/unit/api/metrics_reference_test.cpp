// docs/metrics.md's table is the modules' metric declarations.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/metrics.h"
#include "platform/base/file.h"

namespace tenantry::api {
namespace {

TEST(MetricsReference, DocsTableIsTheDeclarations) {
  auto doc = base::read_file(std::filesystem::path(TENANTRY_SOURCE_DIR) / "docs/metrics.md");
  ASSERT_TRUE(doc);
  const std::string begin = "<!-- metrics:tenantry-api:begin -->\n";
  const std::string end = "<!-- metrics:tenantry-api:end -->";
  auto from = doc->find(begin);
  auto to = doc->find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  from += begin.size();
  auto expected = metrics::metrics_markdown(metric_groups());
  EXPECT_TRUE(doc->substr(from, to - from) == expected)
      << "docs/metrics.md differs from the declarations; put this between its markers:\n"
      << expected;
}

TEST(MetricsReference, EachNameIsDeclaredOnce) {
  std::set<std::string_view> names;
  for (const auto& group : metric_groups()) {
    for (const auto& metric : group.metrics) {
      EXPECT_TRUE(names.insert(metric.name).second) << metric.name << " is declared twice";
    }
  }
}

}  // namespace
}  // namespace tenantry::api
