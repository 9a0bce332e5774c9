// Tenant transactions through the pool, on a real PostgreSQL migrated by
// tenantry-migrate: Row-Level Security shows each tenant only its rows, and
// nothing leaks from one tenant to the next over a reused connection.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>

#include "platform/db/transaction.h"
#include "support/coro.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

namespace asio = boost::asio;
using db::Access;
using db::ErrorKind;

const auto kTenantA = *tenancy::TenantId::parse("00000000-0000-4000-8000-00000000000a");
const auto kTenantB = *tenancy::TenantId::parse("00000000-0000-4000-8000-00000000000b");
constexpr const char* kProjectA = "10000000-0000-4000-8000-00000000000a";
constexpr const char* kProjectB = "10000000-0000-4000-8000-00000000000b";

db::PoolConfig pool_config(const std::string& url, std::size_t max_size) {
  db::PoolConfig config;
  config.connection.url = url;
  config.max_size = max_size;
  config.acquire_timeout = std::chrono::milliseconds(2'000);
  return config;
}

std::multiset<std::string> repeated(int times, const tenancy::TenantId& tenant) {
  std::multiset<std::string> out;
  for (int i = 0; i < times; ++i) out.insert(tenant.str());
  return out;
}

class TransactionTest : public ::testing::Test {
 protected:
  TransactionTest() {
    pg_.migrate();
    seed();
  }

  template <typename T>
  T run(asio::awaitable<T> op) {
    return run_coro(context_, std::move(op));
  }

  // Two tenants through the system role (it bypasses Row-Level Security):
  // A with three tasks, B with two.
  void seed() {
    auto seeded = run([this]() -> asio::awaitable<db::Result<void>> {
      auto tx = co_await db::SystemTransaction::begin(system_);
      if (!tx) co_return tx.error();
      for (auto [tenant, slug, project, tasks] : {std::tuple{&kTenantA, "tenant-a", kProjectA, 3},
                                                  {&kTenantB, "tenant-b", kProjectB, 2}}) {
        if (auto r = co_await tx->query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)",
                                        *tenant, slug);
            !r)
          co_return r.error();
        if (auto r = co_await tx->query(
                "INSERT INTO projects (tenant_id, id, name) VALUES ($1, $2, 'p')", *tenant,
                project);
            !r)
          co_return r.error();
        for (int i = 0; i < tasks; ++i) {
          if (auto r = co_await tx->query("INSERT INTO tasks (tenant_id, id, project_id, title) "
                                          "VALUES ($1, gen_random_uuid(), $2, $3)",
                                          *tenant, project, "task " + std::to_string(i));
              !r)
            co_return r.error();
        }
      }
      co_return co_await tx->commit();
    }());
    if (!seeded) throw std::runtime_error("seeding failed: " + seeded.error().message);
  }

  // The tenant ids of every row of `tasks` that tenant's transaction sees.
  std::multiset<std::string> visible_task_tenants(const tenancy::TenantId& tenant) {
    auto rows =
        run(database_.tenant_query(tenant, Access::kReadOnly, "SELECT tenant_id::text FROM tasks"));
    EXPECT_TRUE(rows) << rows.error().message;
    std::multiset<std::string> tenants;
    if (rows) {
      for (auto row : *rows) tenants.insert(row[0].as<std::string>());
    }
    return tenants;
  }

  int backend_pid(const tenancy::TenantId& tenant) {
    auto rows = run(database_.tenant_query(tenant, Access::kReadOnly, "SELECT pg_backend_pid()"));
    EXPECT_TRUE(rows) << rows.error().message;
    return rows ? (*rows)[0][0].as<int>() : -1;
  }

  PostgresServer pg_;
  asio::io_context context_;
  asio::io_context* contexts_[1] = {&context_};
  prometheus::Registry registry_;
  db::PoolMetrics app_metrics_{registry_, "primary"};
  db::PoolMetrics system_metrics_{registry_, "system"};
  // Size 1: every transaction of the test reuses the same connection.
  db::Pool app_{pool_config(pg_.url(), 1), contexts_, app_metrics_};
  db::Pool system_{pool_config(pg_.system_url(), 1), contexts_, system_metrics_};
  db::Database database_{app_};
};

TEST_F(TransactionTest, ATenantSeesOnlyItsOwnRowsWithoutAWhereClause) {
  EXPECT_EQ(visible_task_tenants(kTenantA), repeated(3, kTenantA));
  EXPECT_EQ(visible_task_tenants(kTenantB), repeated(2, kTenantB));
}

TEST_F(TransactionTest, WithoutATenantNoRowIsVisible) {
  auto count = run([this]() -> asio::awaitable<db::Result<db::Rows>> {
    auto lease = co_await app_.acquire();
    if (!lease) co_return lease.error();
    const db::Command commands[] = {{"SELECT count(*) FROM tasks"},
                                    {"SELECT count(*) FROM tenants"}};
    auto rows = co_await lease->run(commands);
    if (!rows) co_return rows.error();
    EXPECT_EQ((*rows)[1][0][0].as<int>(), 0);
    co_return std::move((*rows)[0]);
  }());
  ASSERT_TRUE(count) << count.error().message;
  EXPECT_EQ((*count)[0][0].as<int>(), 0);
}

TEST_F(TransactionTest, InsertingARowForAnotherTenantIsRefusedByThePolicy) {
  auto inserted = run(database_.tenant_query(kTenantA, Access::kReadWrite,
                                             "INSERT INTO tasks (tenant_id, id, project_id, title) "
                                             "VALUES ($1, gen_random_uuid(), $2, 'x')",
                                             kTenantB, kProjectB));
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().kind, ErrorKind::kPermission) << inserted.error().message;
  EXPECT_NE(inserted.error().message.find("row-level security"), std::string::npos);
  EXPECT_EQ(visible_task_tenants(kTenantB).size(), 2u);
}

TEST_F(TransactionTest, APooledConnectionShowsTheNextTenantOnlyItsRows) {
  int pid = backend_pid(kTenantA);
  EXPECT_EQ(visible_task_tenants(kTenantA), repeated(3, kTenantA));
  EXPECT_EQ(visible_task_tenants(kTenantB), repeated(2, kTenantB));
  EXPECT_EQ(backend_pid(kTenantB), pid) << "the test needs the same connection throughout";
}

TEST_F(TransactionTest, NothingLeaksAfterATransactionFailedMidWay) {
  int pid = backend_pid(kTenantA);
  auto failed = run([this]() -> asio::awaitable<db::Result<void>> {
    auto tx = co_await database_.tenant_transaction(kTenantA);
    if (!tx) co_return tx.error();
    auto seen = co_await tx->query("SELECT count(*) FROM tasks");
    EXPECT_TRUE(seen && (*seen)[0][0].as<int>() == 3);
    // A duplicate primary key: fails inside the transaction.
    auto dup = co_await tx->query(
        "INSERT INTO projects (tenant_id, id, name) VALUES ($1, $2, 'again')", kTenantA, kProjectA);
    if (!dup) co_return dup.error();
    co_return co_await tx->commit();
  }());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::kConstraint) << failed.error().message;
  EXPECT_EQ(failed.error().sqlstate, "23505");
  // Error messages go to logs: the server's DETAIL, which quotes the
  // duplicate key's values, is left out.
  EXPECT_EQ(failed.error().message.find(kProjectA), std::string::npos) << failed.error().message;

  EXPECT_EQ(visible_task_tenants(kTenantB), repeated(2, kTenantB));
  auto setting = run(database_.tenant_query(kTenantB, Access::kReadOnly,
                                            "SELECT current_setting('app.tenant_id', true)"));
  ASSERT_TRUE(setting);
  EXPECT_EQ((*setting)[0][0].as<std::string>(), kTenantB.str());
  EXPECT_EQ(backend_pid(kTenantB), pid) << "a rolled-back connection goes back to the pool";
}

TEST_F(TransactionTest, TheTenantSettingEndsWithTheTransaction) {
  auto after = run([this]() -> asio::awaitable<db::Result<db::Rows>> {
    {
      auto tx = co_await database_.tenant_transaction(kTenantA);
      if (!tx) co_return tx.error();
      if (auto r = co_await tx->query("SELECT 1"); !r) co_return r.error();
      if (auto r = co_await tx->commit(); !r) co_return r.error();
    }
    auto lease = co_await app_.acquire();
    if (!lease) co_return lease.error();
    const db::Command commands[] = {{"SELECT coalesce(current_setting('app.tenant_id', true), '')"},
                                    {"SELECT count(*) FROM tasks"}};
    auto rows = co_await lease->run(commands);
    if (!rows) co_return rows.error();
    EXPECT_EQ((*rows)[1][0][0].as<int>(), 0);
    co_return std::move((*rows)[0]);
  }());
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ((*after)[0][0].as<std::string>(), "");
}

TEST_F(TransactionTest, ATransactionDroppedWithoutCommitClosesItsConnection) {
  int pid = backend_pid(kTenantA);
  run([this]() -> asio::awaitable<int> {
    auto tx = co_await database_.tenant_transaction(kTenantA);
    EXPECT_TRUE(tx);
    if (tx) EXPECT_TRUE(co_await tx->query("SELECT 1"));
    co_return 0;  // dropped inside BEGIN
  }());
  EXPECT_EQ(app_.counts().idle, 0u);
  EXPECT_NE(backend_pid(kTenantA), pid);
}

TEST_F(TransactionTest, ARolledBackWriteLeavesNoTrace) {
  auto result = run([this]() -> asio::awaitable<db::Result<void>> {
    auto tx = co_await database_.tenant_transaction(kTenantA);
    if (!tx) co_return tx.error();
    if (auto r = co_await tx->query("DELETE FROM tasks"); !r) co_return r.error();
    co_return co_await tx->rollback();
  }());
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(visible_task_tenants(kTenantA).size(), 3u);
}

TEST_F(TransactionTest, AReadOnlyTransactionRefusesWrites) {
  auto deleted = run(database_.tenant_query(kTenantA, Access::kReadOnly, "DELETE FROM tasks"));
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().sqlstate, "25006");
  EXPECT_EQ(visible_task_tenants(kTenantA).size(), 3u);
}

// libpq takes a text parameter as a C string: sent, "tenant-a\0x" would
// be "tenant-a". The data layer refuses it before anything is sent, inside a
// transaction too, and the connection serves the next caller.
TEST_F(TransactionTest, AParameterHoldingANulIsRefusedNeverCut) {
  using namespace std::string_literals;
  auto slug = "tenant-a\0x"s;
  ASSERT_EQ(slug.size(), 10u);
  auto pid = backend_pid(kTenantA);
  auto found = run(database_.tenant_query(kTenantA, Access::kReadOnly,
                                          "SELECT id FROM tenants WHERE slug = $1", slug));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, ErrorKind::kInvalidInput);
  auto mid_way = run([&]() -> asio::awaitable<db::Result<db::Rows>> {
    auto tx = co_await database_.tenant_transaction(kTenantA);
    if (!tx) co_return tx.error();
    auto first = co_await tx->query("INSERT INTO projects (tenant_id, id, name) "
                                    "VALUES ($1, gen_random_uuid(), 'kept?')",
                                    kTenantA);
    if (!first) co_return first.error();
    co_return co_await tx->query("UPDATE projects SET name = $1", "a\0b"s);
  }());
  ASSERT_FALSE(mid_way);
  EXPECT_EQ(mid_way.error().kind, ErrorKind::kInvalidInput);
  auto kept = run(database_.tenant_query(kTenantA, Access::kReadOnly,
                                         "SELECT count(*) FROM projects WHERE name = 'kept?'"));
  ASSERT_TRUE(kept);
  EXPECT_EQ((*kept)[0][0].as<int>(), 0) << "the transaction was rolled back";
  EXPECT_EQ(backend_pid(kTenantA), pid) << "the connection was kept";
}

TEST_F(TransactionTest, TheSystemTransactionSeesEveryTenant) {
  auto rows = run([this]() -> asio::awaitable<db::Result<db::Rows>> {
    auto tx = co_await db::SystemTransaction::begin(system_, Access::kReadOnly);
    if (!tx) co_return tx.error();
    auto rows = co_await tx->query("SELECT count(DISTINCT tenant_id) FROM tasks");
    if (auto done = co_await tx->commit(); !done) co_return done.error();
    co_return rows;
  }());
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ((*rows)[0][0].as<int>(), 2);
}

TEST_F(TransactionTest, ReadsGoToTheReadPoolWhenThereIsOne) {
  auto config = pool_config(pg_.url(), 1);
  config.connection.application_name = "tenantry-read";
  db::PoolMetrics read_metrics(registry_, "read");
  db::Pool read(config, contexts_, read_metrics);
  db::Database database(app_, &read);
  auto name = [&](Access access) {
    auto rows =
        run(database.tenant_query(kTenantA, access, "SELECT current_setting('application_name')"));
    EXPECT_TRUE(rows);
    return rows ? (*rows)[0][0].as<std::string>() : "";
  };
  EXPECT_EQ(name(Access::kReadOnly), "tenantry-read");
  EXPECT_EQ(name(Access::kReadWrite), "tenantry");
}

}  // namespace
}  // namespace tenantry::testing
