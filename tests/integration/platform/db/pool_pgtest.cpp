// The connection pool against a real PostgreSQL: its bounds (acquire
// timeout, waiters), statement timeouts on both sides, replacing broken
// connections, recovering from a PostgreSQL restart under load without
// any call hanging past its deadline, and the connections' life cycle
// (idle timeout down to the minimum, maximum lifetime) seen from the
// server's pg_stat_activity.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <optional>
#include <set>
#include <thread>

#include "platform/db/pool.h"
#include "platform/db/transaction.h"
#include "support/coro.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using db::ErrorKind;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

// One statement on a leased connection; the first column of the first row.
asio::awaitable<db::Result<std::string>> scalar(db::Lease& lease, std::string_view sql) {
  const db::Command commands[] = {{sql}};
  auto rows = co_await lease.run(commands);
  if (!rows) co_return rows.error();
  co_return (*rows)[0][0][0].as<std::string>();
}

asio::awaitable<db::Result<std::string>> scalar(db::Pool& pool, std::string_view sql) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  co_return co_await scalar(*lease, sql);
}

// A superuser statement on its own blocking connection (test set-up only).
void as_superuser(const PostgresServer& pg, const std::string& sql) {
  PGconn* conn = PQconnectdb(pg.superuser_url().c_str());
  PGresult* res = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK;
  std::string error = PQerrorMessage(conn);
  PQclear(res);
  PQfinish(conn);
  if (!ok) throw std::runtime_error(sql + ": " + error);
}

double metric_value(prometheus::Registry& registry, const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  double total = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      bool match = true;
      for (const auto& [key, value] : labels) {
        bool found = false;
        for (const auto& label : metric.label) found |= label.name == key && label.value == value;
        match &= found;
      }
      if (match) total += metric.counter.value + metric.gauge.value;
    }
  }
  return total;
}

class PoolTest : public ::testing::Test {
 protected:
  db::PoolConfig config(std::size_t max_size) {
    db::PoolConfig config;
    config.connection.url = pg_.url();
    config.max_size = max_size;
    config.acquire_timeout = 300ms;
    config.connection.statement_timeout = 1'000ms;
    return config;
  }

  template <typename T>
  T run(asio::awaitable<T> op) {
    return run_coro(context_, std::move(op));
  }

  PostgresServer pg_;
  asio::io_context context_;
  asio::io_context* contexts_[1] = {&context_};
  prometheus::Registry registry_;
  db::PoolMetrics metrics_{registry_, "primary"};
};

TEST_F(PoolTest, AnExhaustedPoolFailsAfterTheAcquireTimeout) {
  db::Pool pool(config(1), contexts_, metrics_);
  run([&]() -> asio::awaitable<int> {
    auto held = co_await pool.acquire();
    EXPECT_TRUE(held);
    auto start = Clock::now();
    auto second = co_await pool.acquire();
    auto waited = since(start);
    EXPECT_FALSE(second);
    if (!second) {
      EXPECT_EQ(second.error().kind, ErrorKind::kPoolTimeout);
    }
    EXPECT_GE(waited, 300ms);
    EXPECT_LT(waited, 1'500ms);
    co_return 0;
  }());
  EXPECT_EQ(metric_value(registry_, "tenantry_db_errors_total", {{"class", "pool_timeout"}}), 1);
  // Released, the connection serves the next caller.
  auto pid = run(scalar(pool, "SELECT pg_backend_pid()"));
  EXPECT_TRUE(pid) << pid.error().message;
  EXPECT_EQ(pool.counts().idle, 1u);
}

TEST_F(PoolTest, AWaiterGetsTheConnectionReleasedWithinTheTimeout) {
  db::Pool pool(config(1), contexts_, metrics_);
  std::string holder_pid;
  asio::co_spawn(
      context_,
      [&]() -> asio::awaitable<void> {
        auto lease = co_await pool.acquire();
        EXPECT_TRUE(lease);
        holder_pid = (co_await scalar(*lease, "SELECT pg_backend_pid()")).value();
        co_await sleep_for(100ms);
      },
      asio::detached);
  auto waiter_pid = run([&]() -> asio::awaitable<db::Result<std::string>> {
    // Until the holder has the connection: opening it is a SCRAM exchange
    // (4096 PBKDF2 rounds on each side), several ms on a loaded machine, so
    // a fixed 20 ms was not always enough.
    for (int i = 0; i < 200 && pool.counts().in_use == 0; ++i) co_await sleep_for(5ms);
    EXPECT_EQ(pool.counts().in_use, 1u);
    co_return co_await scalar(pool, "SELECT pg_backend_pid()");
  }());
  ASSERT_TRUE(waiter_pid) << waiter_pid.error().message;
  EXPECT_EQ(*waiter_pid, holder_pid);
}

TEST_F(PoolTest, TooManyWaitersAreRefusedAtOnce) {
  auto settings = config(1);
  settings.max_waiters = 1;
  db::Pool pool(settings, contexts_, metrics_);
  run([&]() -> asio::awaitable<int> {
    auto held = co_await pool.acquire();
    EXPECT_TRUE(held);
    asio::co_spawn(
        co_await asio::this_coro::executor,
        [&]() -> asio::awaitable<void> { co_await pool.acquire(); }, asio::detached);
    co_await sleep_for(10ms);
    EXPECT_EQ(pool.counts().waiters, 1u);
    auto start = Clock::now();
    auto refused = co_await pool.acquire();
    EXPECT_LT(since(start), 50ms);
    EXPECT_FALSE(refused);
    if (!refused) {
      EXPECT_EQ(refused.error().kind, ErrorKind::kPoolTimeout);
      EXPECT_NE(refused.error().message.find("already waiting"), std::string::npos);
    }
    co_return 0;
  }());
}

TEST_F(PoolTest, TheServerStatementTimeoutEndsALongQueryAndKeepsTheConnection) {
  auto settings = config(1);
  settings.connection.statement_timeout = 200ms;
  db::Pool pool(settings, contexts_, metrics_);
  auto before = run(scalar(pool, "SELECT pg_backend_pid()")).value();
  auto start = Clock::now();
  auto slow = run(scalar(pool, "SELECT pg_sleep(5)::text"));
  EXPECT_LT(since(start), 1'000ms);
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(slow.error().sqlstate, "57014");
  EXPECT_EQ(run(scalar(pool, "SELECT pg_backend_pid()")).value(), before);
}

TEST_F(PoolTest, AServerThatStopsAnsweringIsGivenUpAfterTheClientDeadline) {
  auto settings = config(1);
  settings.connection.statement_timeout = 200ms;
  db::Pool pool(settings, contexts_, metrics_);
  auto pid = std::stoi(run(scalar(pool, "SELECT pg_backend_pid()")).value());
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  auto start = Clock::now();
  auto stuck = run(scalar(pool, "SELECT 1::text"));
  auto waited = since(start);
  ::kill(pid, SIGCONT);
  ASSERT_FALSE(stuck);
  EXPECT_EQ(stuck.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(stuck.error().sqlstate, "");  // the client's deadline, not the server's
  EXPECT_GE(waited, 1'000ms);             // 200 ms + the 1 s grace
  EXPECT_LT(waited, 2'500ms);
  // The stuck connection was closed, not pooled: the next call gets a new one.
  auto next = run(scalar(pool, "SELECT pg_backend_pid()"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_NE(std::stoi(*next), pid);
}

TEST_F(PoolTest, AnIdleConnectionTerminatedByTheServerIsReplacedWithoutAnError) {
  db::Pool pool(config(1), contexts_, metrics_);
  auto pid = run(scalar(pool, "SELECT pg_backend_pid()")).value();
  as_superuser(pg_, "SELECT pg_terminate_backend(" + pid + ")");
  ASSERT_TRUE(wait_until(
      [&] {
        PGconn* conn = PQconnectdb(pg_.superuser_url().c_str());
        PGresult* res = PQexec(conn, ("SELECT 1 FROM pg_stat_activity WHERE pid = " + pid).c_str());
        // Not a failed connection's empty answer.
        bool gone = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0;
        PQclear(res);
        PQfinish(conn);
        return gone;
      },
      5s));
  auto next = run(scalar(pool, "SELECT pg_backend_pid()"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_NE(*next, pid);
}

TEST_F(PoolTest, TheStatementCacheCanBeSwitchedOffForPgBouncer) {
  auto count_prepared = [&](bool cache) {
    auto settings = config(1);
    settings.connection.statement_cache = cache;
    db::Pool pool(settings, contexts_, metrics_);
    return run([&]() -> asio::awaitable<std::string> {
      auto lease = co_await pool.acquire();
      (co_await scalar(*lease, "SELECT 1::text")).value();
      co_return (co_await scalar(*lease, "SELECT count(*)::text FROM pg_prepared_statements"))
          .value();
    }());
  };
  EXPECT_EQ(count_prepared(true), "2");
  EXPECT_EQ(count_prepared(false), "0");
}

TEST_F(PoolTest, AfterAFailedConnectThePoolBacksOffInsteadOfRetryingAtOnce) {
  auto settings = config(2);
  settings.connection.url =
      "postgresql://tenantry_app@127.0.0.1:" + std::to_string(free_port()) + "/tenantry";
  db::Pool pool(settings, contexts_, metrics_);
  auto first = run(pool.acquire());
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(first.error().message.find("cannot connect"), std::string::npos);
  auto start = Clock::now();
  auto second = run(pool.acquire());
  EXPECT_LT(since(start), 20ms);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("next attempt in"), std::string::npos)
      << second.error().message;
}

// 16 callers in a loop over 4 connections; PostgreSQL stops and starts
// again under them. Every call returns within its bound, errors are
// classified, and the same pool serves again once PostgreSQL is back.
TEST_F(PoolTest, APostgresRestartUnderLoadRecoversWithoutHangingCalls) {
  pg_.migrate();
  as_superuser(pg_,
               "INSERT INTO tenants (id, slug, name) VALUES "
               "('00000000-0000-4000-8000-00000000000a', 'load', 'Load')");
  auto settings = config(4);
  settings.acquire_timeout = 500ms;
  settings.backoff_max = 500ms;
  db::Pool pool(settings, contexts_, metrics_);
  db::Database database(pool);
  auto tenant = *tenancy::TenantId::parse("00000000-0000-4000-8000-00000000000a");
  // Bound of one call: the acquire timeout plus statement timeout and grace.
  const auto bound = settings.acquire_timeout + settings.connection.statement_timeout + 1'000ms;

  std::atomic<bool> stop{false};
  std::atomic<long> ok{0}, failed{0}, longest_ms{0};
  std::atomic<int> running{0};
  for (int i = 0; i < 16; ++i) {
    asio::co_spawn(
        context_,
        [&]() -> asio::awaitable<void> {
          ++running;
          while (!stop) {
            auto start = Clock::now();
            auto rows = co_await database.tenant_query(tenant, db::Access::kReadOnly,
                                                       "SELECT count(*) FROM tasks");
            long took = since(start).count();
            for (long seen = longest_ms;
                 took > seen && !longest_ms.compare_exchange_weak(seen, took);) {
            }
            if (rows) {
              ++ok;
            } else {
              EXPECT_TRUE(rows.error().unavailable()) << rows.error().message;
              ++failed;
              co_await sleep_for(5ms);
            }
          }
          --running;
        },
        asio::detached);
  }
  std::thread loop([&] { context_.run(); });
  EXPECT_TRUE(wait_until([&] { return ok > 200; }, 10s));
  pg_.stop();
  EXPECT_TRUE(wait_until([&] { return failed > 50; }, 10s));
  long ok_while_down = ok;
  pg_.start();
  EXPECT_TRUE(wait_until([&] { return ok > ok_while_down + 200; }, 15s))
      << "no recovery: " << ok << " ok, " << failed << " failed";
  stop = true;
  loop.join();
  EXPECT_EQ(running, 0);
  std::printf("restart under load: %ld ok, %ld failed, longest call %ld ms (bound %ld ms)\n",
              ok.load(), failed.load(), longest_ms.load(), static_cast<long>(bound.count()));
  EXPECT_LT(std::chrono::milliseconds(longest_ms.load()), bound);
  EXPECT_GT(metric_value(registry_, "tenantry_db_errors_total", {{"class", "unavailable"}}) +
                metric_value(registry_, "tenantry_db_errors_total", {{"class", "connection"}}),
            0);
  EXPECT_LE(pool.counts().idle, 4u);
}

// The pool's backends as the server sees them (by application_name), as
// the superuser on its own blocking connection; -1 when the query fails.
std::vector<std::string> backends(const PostgresServer& pg, const std::string& application_name) {
  PGconn* conn = PQconnectdb(pg.superuser_url().c_str());
  const char* values[] = {application_name.c_str()};
  PGresult* res = PQexecParams(conn,
                               "SELECT pid::text FROM pg_stat_activity WHERE application_name = $1 "
                               "AND backend_type = 'client backend' ORDER BY pid",
                               1, nullptr, values, nullptr, nullptr, 0);
  std::vector<std::string> pids;
  bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
  for (int i = 0; ok && i < PQntuples(res); ++i) pids.push_back(PQgetvalue(res, i, 0));
  std::string error = PQerrorMessage(conn);
  PQclear(res);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("pg_stat_activity: " + error);
  return pids;
}

constexpr const char* kLifecycleApp = "tenantry-pool-lifecycle";

// `n` connections on loan at once (each opens its own), then all released;
// returns their backend pids.
asio::awaitable<std::vector<std::string>> open_at_once(db::Pool& pool, std::size_t n) {
  std::vector<db::Lease> leases;
  std::vector<std::string> pids;
  for (std::size_t i = 0; i < n; ++i) {
    auto lease = co_await pool.acquire();
    if (!lease) throw std::runtime_error(lease.error().message);
    leases.push_back(std::move(*lease));
    pids.push_back((co_await scalar(leases.back(), "SELECT pg_backend_pid()::text")).value());
  }
  co_return pids;
}

TEST_F(PoolTest, IdleConnectionsAboveTheMinimumCloseAfterTheIdleTimeout) {
  auto settings = config(4);
  settings.connection.application_name = kLifecycleApp;
  settings.min_size = 2;
  settings.idle_timeout = 300ms;
  db::Pool pool(settings, contexts_, metrics_);
  auto start = Clock::now();  // before they are released: a lower bound of their idle time
  auto opened = run(open_at_once(pool, 4));
  ASSERT_EQ(std::set<std::string>(opened.begin(), opened.end()).size(), 4u);
  EXPECT_EQ(pool.counts().idle, 4u);
  EXPECT_EQ(backends(pg_, kLifecycleApp).size(), 4u);

  // A caller every 50 ms keeps one connection busy; the other three idle
  // past the timeout, and all but one of them (the minimum is two) close.
  std::set<std::string> used;
  EXPECT_TRUE(wait_until(
      [&] {
        used.insert(run(scalar(pool, "SELECT pg_backend_pid()::text")).value());
        return backends(pg_, kLifecycleApp).size() == 2;
      },
      10s))
      << backends(pg_, kLifecycleApp).size() << " backends";
  EXPECT_GE(since(start), settings.idle_timeout);
  EXPECT_EQ(pool.counts().idle, 2u);
  // What is left are two of the connections opened above, never new ones.
  auto left = backends(pg_, kLifecycleApp);
  for (const auto& pid : left)
    EXPECT_NE(std::find(opened.begin(), opened.end(), pid), opened.end()) << pid;
  for (const auto& pid : used)
    EXPECT_NE(std::find(opened.begin(), opened.end(), pid), opened.end()) << pid;

  // The minimum stays, idle for several timeouts: the kept idle connection
  // is not closed by later callers' pruning.
  auto hold_until = Clock::now() + 4 * settings.idle_timeout;
  while (Clock::now() < hold_until) {
    ASSERT_TRUE(run(scalar(pool, "SELECT 1::text")));
    ASSERT_EQ(backends(pg_, kLifecycleApp), left);
    std::this_thread::sleep_for(50ms);  // the pace of the callers, not a wait for a condition
  }
  EXPECT_EQ(pool.counts().idle, 2u);
}

// With maintenance on (tenantry-api's pools), no caller is needed: the
// minimum is opened at start and re-opened when lost, and idle connections
// above it close after the idle timeout. The pool lives on a context that a
// thread runs, as a server's do, and is destroyed on that thread.
TEST_F(PoolTest, MaintenanceKeepsTheMinimumAndClosesIdleConnectionsWithoutACaller) {
  asio::io_context context;
  auto busy = asio::make_work_guard(context);
  std::thread loop([&] { context.run(); });
  asio::io_context* contexts[1] = {&context};
  auto settings = config(4);
  settings.connection.application_name = kLifecycleApp;
  settings.min_size = 2;
  settings.idle_timeout = 300ms;
  settings.maintenance_interval = 50ms;
  std::optional<db::Pool> pool;
  pool.emplace(settings, contexts, metrics_);
  EXPECT_TRUE(wait_until([&] { return backends(pg_, kLifecycleApp).size() == 2; }, 10s))
      << backends(pg_, kLifecycleApp).size() << " backends, not the minimum";

  // Four at once (the two idle ones and two new), then nobody asks.
  auto opened = asio::co_spawn(context, open_at_once(*pool, 4), asio::use_future).get();
  EXPECT_EQ(std::set<std::string>(opened.begin(), opened.end()).size(), 4u);
  auto released = Clock::now();
  EXPECT_TRUE(wait_until([&] { return backends(pg_, kLifecycleApp).size() == 2; }, 10s))
      << backends(pg_, kLifecycleApp).size() << " backends left idle";
  EXPECT_GE(since(released), settings.idle_timeout - 50ms);  // the pids were read just before

  // A connection the server ends is replaced.
  auto victim = backends(pg_, kLifecycleApp).front();
  as_superuser(pg_, "SELECT pg_terminate_backend(" + victim + ")");
  EXPECT_TRUE(wait_until(
      [&] {
        auto now = backends(pg_, kLifecycleApp);
        return now.size() == 2 && std::find(now.begin(), now.end(), victim) == now.end();
      },
      10s));

  std::promise<void> gone;
  asio::post(context, [&] {
    pool.reset();
    gone.set_value();
  });
  gone.get_future().get();
  busy.reset();
  loop.join();
}

TEST_F(PoolTest, AConnectionInConstantUseIsReplacedAfterItsMaximumLifetime) {
  auto settings = config(1);
  settings.connection.application_name = kLifecycleApp;
  settings.max_lifetime = 500ms;
  db::Pool pool(settings, contexts_, metrics_);
  auto start = Clock::now();
  auto first = run(scalar(pool, "SELECT pg_backend_pid()::text")).value();
  // Well within its lifetime, the next caller gets the same connection.
  EXPECT_EQ(run(scalar(pool, "SELECT pg_backend_pid()::text")).value(), first);

  // Never idle long (a caller every 20 ms), so only the lifetime ends it.
  std::string next = first;
  EXPECT_TRUE(wait_until(
      [&] {
        next = run(scalar(pool, "SELECT pg_backend_pid()::text")).value();
        return next != first;
      },
      5s, 20ms));
  auto replaced_after = since(start);
  EXPECT_GE(replaced_after, settings.max_lifetime);
  EXPECT_LT(replaced_after, settings.max_lifetime + 2'000ms);
  // The old backend was closed, not leaked: the server sees only the new one.
  EXPECT_TRUE(wait_until(
      [&] { return backends(pg_, kLifecycleApp) == std::vector<std::string>{next}; }, 5s))
      << "backends: " << backends(pg_, kLifecycleApp).size();

  // A connection on loan past its lifetime finishes its caller's work and
  // is closed when returned, not under the caller.
  auto held = run([&]() -> asio::awaitable<std::string> {
    auto lease = co_await pool.acquire();
    auto pid = (co_await scalar(*lease, "SELECT pg_backend_pid()::text")).value();
    co_await sleep_for(settings.max_lifetime + 100ms);  // outlive the lifetime while on loan
    auto again = co_await scalar(*lease, "SELECT pg_backend_pid()::text");
    EXPECT_TRUE(again);
    if (again) {
      EXPECT_EQ(*again, pid);
    }
    co_return pid;
  }());
  auto after = run(scalar(pool, "SELECT pg_backend_pid()::text")).value();
  EXPECT_NE(after, held);
}

}  // namespace
}  // namespace tenantry::testing
