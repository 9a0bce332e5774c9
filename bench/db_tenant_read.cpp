// tenantry-bench-db: tenant transactions doing one primary-key SELECT,
// through db::Pool, at a fixed concurrency; prints transactions per second.
// Driven by bench/db-tenant-read, which runs pgbench on the same SQL in the
// same run for the baseline.
//
//   tenantry-bench-db URL TENANT_ID TASK_ID [MODE] [CONCURRENCY] [THREADS] [SECONDS]
//                     [REDIS_URL]
//
// MODE one-shot (default): Database::tenant_query, BEGIN + set_config +
//   SELECT + COMMIT in one pipeline, one round trip.
// MODE interactive: TenantTransaction, the SELECT then COMMIT, two round
//   trips (what a handler that decides between statements pays).
// MODE cached: the same read through platform/cache (cache-aside on the
//   Redis at REDIS_URL, loading with tenant_query on a miss): every client
//   reads the same row, so after the first read it is one Redis MGET.
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "platform/cache/cache.h"
#include "platform/db/transaction.h"

namespace {

namespace asio = boost::asio;
using namespace tenantry;

constexpr std::string_view kSelect =
    "SELECT title, status FROM tasks WHERE tenant_id = $1 AND id = $2";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "tenantry-bench-db: %s\n", message.c_str());
  std::exit(2);
}

int positive(const char* text, const char* name) {
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value <= 0 || value > 100'000)
    usage_error(std::string(name) + " must be a positive integer, got '" + text + "'");
  return static_cast<int>(value);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 9) {
    usage_error(
        "usage: tenantry-bench-db URL TENANT_ID TASK_ID [one-shot|interactive|cached] "
        "[CONCURRENCY] [THREADS] [SECONDS] [REDIS_URL]");
  }
  auto tenant = tenancy::TenantId::parse(argv[2]);
  if (!tenant) usage_error(std::string("TENANT_ID is not a UUID: ") + argv[2]);
  std::string task = argv[3];
  std::string mode = argc > 4 ? argv[4] : "one-shot";
  if (mode != "one-shot" && mode != "interactive" && mode != "cached")
    usage_error("MODE must be one-shot, interactive or cached");
  if (mode == "cached" && argc < 9) usage_error("MODE cached needs REDIS_URL");
  int concurrency = argc > 5 ? positive(argv[5], "CONCURRENCY") : 16;
  int threads = argc > 6 ? positive(argv[6], "THREADS") : 2;
  int seconds = argc > 7 ? positive(argv[7], "SECONDS") : 10;

  std::vector<std::unique_ptr<asio::io_context>> owned;
  std::vector<asio::io_context*> contexts;
  for (int i = 0; i < threads; ++i) {
    owned.push_back(std::make_unique<asio::io_context>(1));
    contexts.push_back(owned.back().get());
  }
  prometheus::Registry registry;
  db::PoolMetrics pool_metrics(registry, "primary");
  db::PoolConfig config;
  config.connection.url = argv[1];
  config.max_size = static_cast<std::size_t>(std::max(concurrency, threads));
  config.acquire_timeout = std::chrono::milliseconds(5'000);
  db::Pool pool(config, contexts, pool_metrics);
  db::Database database(pool);
  base::Logger logger("bench", base::LogLevel::kError, stderr);
  redis::ClientConfig redis_config;
  redis_config.endpoint = redis::parse_url("REDIS_URL", argc > 8 ? argv[8] : "redis://127.0.0.1");
  redis::Client redis(redis_config, contexts, logger);
  cache::Cache cache(redis, {}, {"task"}, registry, logger);
  const cache::Kind<std::string> task_kind{
      "task", 1, [](const std::string& v) { return v; },
      [](std::string_view v) { return std::optional<std::string>(v); }};
  tenancy::Principal principal{"bench", *tenant, {}};
  cache::Loader<std::string> load = [&]() -> asio::awaitable<db::Result<std::string>> {
    auto rows =
        co_await database.tenant_query(*tenant, db::Access::kReadOnly, kSelect, *tenant, task);
    if (!rows) co_return rows.error();
    co_return (*rows)[0][0].as<std::string>() + "|" + (*rows)[0][1].as<std::string>();
  };

  std::atomic<bool> counting{false}, stop{false};
  std::atomic<long> done{0}, failed{0};
  std::string first_error;
  std::mutex error_mutex;
  auto client = [&]() -> asio::awaitable<void> {
    while (!stop) {
      bool ok;
      if (mode == "one-shot") {
        auto rows =
            co_await database.tenant_query(*tenant, db::Access::kReadOnly, kSelect, *tenant, task);
        ok = rows && rows->size() == 1;
        if (!rows) {
          std::lock_guard lock(error_mutex);
          if (first_error.empty()) first_error = rows.error().message;
        }
      } else if (mode == "cached") {
        auto value = co_await cache.for_request(principal).get(task_kind, task, load);
        ok = value && !value->empty();
        if (!value) {
          std::lock_guard lock(error_mutex);
          if (first_error.empty()) first_error = value.error().message;
        }
      } else {
        auto tx = co_await database.tenant_transaction(*tenant, db::Access::kReadOnly);
        ok = false;
        if (tx) {
          auto rows = co_await tx->query(kSelect, *tenant, task);
          ok = rows && rows->size() == 1 && co_await tx->commit();
        }
      }
      if (!counting) continue;
      if (ok)
        ++done;
      else
        ++failed;
    }
  };
  for (int i = 0; i < concurrency; ++i)
    asio::co_spawn(*contexts[i % threads], client, asio::detached);

  std::vector<std::thread> runners;
  for (auto* context : contexts) runners.emplace_back([context] { context->run(); });
  std::this_thread::sleep_for(std::chrono::seconds(1));  // warm-up: connect, prepare
  counting = true;
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  counting = false;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  for (auto& runner : runners) runner.join();

  std::printf("%.0f\n", static_cast<double>(done) / elapsed);
  if (failed > 0 || done == 0) {
    std::fprintf(stderr, "tenantry-bench-db: %ld failed transactions (%s)\n", failed.load(),
                 first_error.c_str());
    return 1;
  }
  return 0;
}
