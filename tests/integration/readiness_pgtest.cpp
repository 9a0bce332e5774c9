// tenantry-api as a real process against a real PostgreSQL and Redis:
// readiness follows PostgreSQL, not Redis; /v1/ping touches both; a bad
// configuration exits non-zero with one line naming the variable.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "api/metrics.h"
#include "support/api_process.h"
#include "support/http_client.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

using namespace std::chrono_literals;

std::string api_binary() { return (binary_dir() / "bin/tenantry-api").string(); }

class ReadinessTest : public ::testing::Test {
 protected:
  int ready_status() { return http_request(api_.port(), "GET", "/readyz", {}, {}, 3s).status; }

  PostgresServer pg_;
  RedisServer redis_;
  ApiProcess api_{pg_.url(),
                  redis_.url(),
                  {{"TENANTRY_DB_POOL_MAX", "2"},
                   {"TENANTRY_DB_ACQUIRE_TIMEOUT_MS", "200"},
                   {"TENANTRY_DEPENDENCY_TIMEOUT_MS", "500"}}};
};

TEST_F(ReadinessTest, ReadyWhenPostgresAndRedisAreUp) {
  auto res = http_request(api_.port(), "GET", "/readyz");
  ASSERT_EQ(res.status, 200) << res.body;
  auto body = boost::json::parse(res.body).as_object();
  EXPECT_EQ(body.at("postgres").as_string(), "up");
  EXPECT_EQ(body.at("redis").as_string(), "up");

  auto ping = http_request(api_.port(), "GET", "/v1/ping");
  EXPECT_EQ(ping.status, 200) << ping.body;
}

TEST_F(ReadinessTest, NotReadyWhilePostgresIsDownAndBackWhenItReturns) {
  ASSERT_EQ(ready_status(), 200);
  pg_.stop();
  EXPECT_TRUE(wait_until([this] { return ready_status() == 503; }, 10s));
  auto ping = http_request(api_.port(), "GET", "/v1/ping");
  EXPECT_EQ(ping.status, 503);
  EXPECT_EQ(ping.header("content-type"), "application/problem+json");
  EXPECT_EQ(http_request(api_.port(), "GET", "/livez").status, 200);  // alive, just not ready

  pg_.start();
  EXPECT_TRUE(wait_until([this] { return ready_status() == 200; }, 10s));
  EXPECT_NE(api_.process().log().find("\"msg\":\"dependency down\""), std::string::npos);
}

TEST_F(ReadinessTest, RedisDownLeavesTheReplicaReady) {
  redis_.stop();
  EXPECT_TRUE(wait_until(
      [this] {
        auto r = http_request(api_.port(), "GET", "/v1/ping");
        return r.status == 200 && r.body.find("\"redis\":\"down\"") != std::string::npos;
      },
      5s));
  auto res = http_request(api_.port(), "GET", "/readyz");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(boost::json::parse(res.body).as_object().at("redis").as_string(), "down");
  redis_.start();
  EXPECT_TRUE(wait_until(
      [this] {
        auto r = http_request(api_.port(), "GET", "/readyz");
        return r.body.find("\"redis\":\"up\"") != std::string::npos;
      },
      10s));
}

TEST_F(ReadinessTest, RequestsReusePooledConnections) {
  const std::string kConnect = "connection authorized: user=tenantry_app database=tenantry";
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      for (int j = 0; j < 25; ++j) {
        ok += http_request(api_.port(), "GET", "/v1/ping").status == 200;
        ok += http_request(api_.port(), "GET", "/readyz").status == 200;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok, 400);
  // 400 requests, every one touching PostgreSQL: no more connections than
  // the pool's bound (TENANTRY_DB_POOL_MAX=2) were ever opened.
  EXPECT_LE(count_occurrences(pg_.log(), kConnect), 2u);
  auto metrics = http_request(api_.admin_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("tenantry_db_connections{pool=\"primary\",state=\"idle\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("tenantry_db_query_duration_seconds_count{pool=\"primary\"}"),
            std::string::npos);
}

// Every family a running replica exposes is declared in a module's list
// (docs/metrics.md is generated from those lists), with the declared type.
TEST_F(ReadinessTest, EveryExposedMetricIsDeclared) {
  ASSERT_EQ(http_request(api_.port(), "GET", "/v1/ping").status, 200);
  auto text = http_request(api_.admin_port(), "GET", "/metrics").body;
  std::map<std::string, std::string> declared;
  for (const auto& group : api::metric_groups()) {
    for (const auto& metric : group.metrics) {
      declared[std::string(metric.name)] = metric.type == metrics::MetricType::kCounter ? "counter"
                                           : metric.type == metrics::MetricType::kGauge
                                               ? "gauge"
                                               : "histogram";
    }
  }
  std::regex type_line("^# TYPE ([a-z_]+) ([a-z]+)$", std::regex::multiline);
  int exposed = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), type_line), end; it != end; ++it) {
    ++exposed;
    auto name = (*it)[1].str();
    ASSERT_TRUE(declared.count(name)) << name << " is exposed but not declared";
    EXPECT_EQ(declared[name], (*it)[2].str()) << name;
  }
  EXPECT_GE(exposed, 20) << text;
}

TEST_F(ReadinessTest, AnExhaustedPoolAnswers503ProblemQuickly) {
  // Each thread's single connection held by a slow query; a new connection
  // per request spreads them over both threads.
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([this] {
      EXPECT_EQ(http_request(api_.port(), "GET", "/v1/test/db-sleep?ms=1500", {}, {}, 5s).status,
                200);
    });
  }
  EXPECT_TRUE(wait_until(
      [this] {
        auto metrics = http_request(api_.admin_port(), "GET", "/metrics").body;
        return metrics.find("tenantry_db_connections{pool=\"primary\",state=\"in_use\"} 2") !=
               std::string::npos;
      },
      5s));
  auto start = std::chrono::steady_clock::now();
  auto ping = http_request(api_.port(), "GET", "/v1/ping");
  auto waited = std::chrono::steady_clock::now() - start;
  for (auto& h : holders) h.join();
  EXPECT_EQ(ping.status, 503) << ping.body;
  EXPECT_EQ(ping.header("content-type"), "application/problem+json");
  EXPECT_EQ(ping.header("retry-after"), "1");
  EXPECT_NE(ping.body.find("database-unavailable"), std::string::npos) << ping.body;
  EXPECT_LT(waited, 1s);  // the 200 ms acquire timeout, not the slow query
  auto metrics = http_request(api_.admin_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("tenantry_db_errors_total{class=\"pool_timeout\",pool=\"primary\"} 1"),
            std::string::npos);
}

TEST_F(ReadinessTest, SigtermDrainsAndExitsZero) {
  api_.process().signal(SIGTERM);
  EXPECT_TRUE(wait_until([this] { return ready_status() == 503; }, 2s));
  auto code = api_.process().wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_NE(api_.process().log().find("\"msg\":\"drained\""), std::string::npos);
}

TEST_F(ReadinessTest, MetricsOnTheAdminPortOnly) {
  http_request(api_.port(), "GET", "/v1/ping");
  auto metrics = http_request(api_.admin_port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(
                "tenantry_http_requests_total{method=\"GET\",route=\"/v1/ping\",status=\"200\"}"),
            std::string::npos);
  EXPECT_EQ(http_request(api_.port(), "GET", "/metrics").status, 404);
}

// Round trips to PostgreSQL so far, from the replica's own metrics.
long database_round_trips(const ApiProcess& api) {
  auto text = http_request(api.admin_port(), "GET", "/metrics").body;
  static const std::regex kCount(R"(tenantry_db_query_duration_seconds_count\{[^}]*\} (\d+))");
  long total = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), kCount), end; it != end; ++it) {
    total += std::stol((*it)[1]);
  }
  return total;
}

TEST(Ping, AFloodOfAnonymousPingsCostsNoDatabaseRoundTripEach) {
  PostgresServer pg;
  RedisServer redis;
  ApiProcess api{pg.url(), redis.url(), {{"TENANTRY_DEPENDENCY_MAX_AGE_MS", "10000"}}};
  ASSERT_EQ(http_request(api.port(), "GET", "/v1/ping").status, 200);  // the first check
  auto before = database_round_trips(api);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(http_request(api.port(), "GET", "/v1/ping").status, 200);
  // One SELECT 1 a ping would be 50; a check that went stale meanwhile, 1.
  EXPECT_LE(database_round_trips(api) - before, 1);
}

TEST(ApiStartup, BadConfigurationExitsNonZeroNamingTheVariable) {
  TempDir dir;
  ChildProcess api(
      {api_binary()},
      {{"DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x"}, {"TENANTRY_HTTP_PORT", "eighty"}},
      dir.path() / "api.log");
  auto code = api.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_EQ(api.log(),
            "tenantry-api: TENANTRY_HTTP_PORT: must be an integer in [1, 65535], got 'eighty'\n");
}

TEST(ApiStartup, MissingDatabaseUrlExitsNonZero) {
  TempDir dir;
  ChildProcess api({api_binary()}, {{"DATABASE_URL", ""}}, dir.path() / "api.log");
  auto code = api.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_EQ(api.log(), "tenantry-api: DATABASE_URL: required but not set\n");
}

TEST(ApiStartup, AMissingOrBadJwksFileExitsNonZeroNamingIt) {
  TempDir dir;
  std::map<std::string, std::string> env{{"DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x"}};
  {
    ChildProcess api({api_binary()}, env, dir.path() / "unset.log");
    EXPECT_EQ(api.wait(10s), 2);
    EXPECT_EQ(api.log(), "tenantry-api: TENANTRY_JWKS_FILE: required but not set\n");
  }
  auto path = (dir.path() / "jwks.json").string();
  std::ofstream(path) << R"({"keys":[]})";
  env["TENANTRY_JWKS_FILE"] = path;
  ChildProcess api({api_binary()}, env, dir.path() / "bad.log");
  EXPECT_EQ(api.wait(10s), 2);
  EXPECT_EQ(api.log(), "tenantry-api: TENANTRY_JWKS_FILE: " + path +
                           ": the JWKS document has no RSA key for RS256\n");
}

}  // namespace
}  // namespace tenantry::testing
