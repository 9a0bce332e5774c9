// Tenant and system transactions over pooled, pipelined connections.
#include "platform/db/transaction.h"

namespace tenantry::db {
namespace {

namespace asio = boost::asio;

std::string_view begin_sql(Access access) {
  return access == Access::kReadOnly ? "BEGIN READ ONLY" : "BEGIN";
}

Error finished_error() { return {ErrorKind::kQuery, {}, "the transaction has already ended"}; }

// After a failed statement inside BEGIN: roll back so that the connection
// can serve the next caller; if that fails too, the pool closes it.
asio::awaitable<void> roll_back_if_open(Lease& lease) {
  if (lease.connection().broken() || !lease.connection().in_transaction()) co_return;
  const Command rollback[] = {{"ROLLBACK"}};
  co_await lease.run(rollback);
}

}  // namespace

Transaction::Transaction(Lease lease, Access access, std::string_view scope_sql,
                         std::optional<Param> scope)
    : lease_(std::move(lease)), access_(access), scope_sql_(scope_sql), scope_(std::move(scope)) {}

asio::awaitable<Result<Rows>> Transaction::run_statement(std::string_view sql,
                                                         std::vector<Param> params) {
  if (finished_) co_return finished_error();
  Command commands[3];
  std::size_t count = 0;
  if (!begun_) {
    commands[count++] = {begin_sql(access_)};
    if (scope_) commands[count++] = {scope_sql_, std::span(&*scope_, 1)};
  }
  commands[count++] = {sql, params};
  auto result = co_await lease_.run(std::span(commands, count));
  begun_ = true;
  if (!result) {
    finished_ = true;
    co_await roll_back_if_open(lease_);
    co_return result.error();
  }
  co_return std::move(result->back());
}

asio::awaitable<Result<void>> Transaction::finish(std::string_view sql) {
  if (finished_) co_return finished_error();
  finished_ = true;
  if (!begun_) co_return Result<void>{};  // nothing was sent
  const Command commands[] = {{sql}};
  auto result = co_await lease_.run(commands);
  if (!result) {
    co_await roll_back_if_open(lease_);
    co_return result.error();
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> Transaction::commit() {
  auto done = co_await finish("COMMIT");
  committed_ = done.has_value();
  co_return done;
}
asio::awaitable<Result<void>> Transaction::rollback() { return finish("ROLLBACK"); }

asio::awaitable<Result<TenantTransaction>> TenantTransaction::begin(Pool& pool,
                                                                    const tenancy::TenantId& tenant,
                                                                    Access access,
                                                                    TenantStatus status) {
  auto id = tenant;  // copied before the first suspension
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  TenantTransaction tx(std::move(*lease), access,
                       status == TenantStatus::kAny ? kSetTenantAnyStatus : kSetTenant, Param(id));
  tx.tenant_ = id;
  co_return tx;
}

asio::awaitable<Result<SystemTransaction>> SystemTransaction::begin(Pool& pool, Access access) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  co_return SystemTransaction(std::move(*lease), access, {}, std::nullopt);
}

asio::awaitable<Result<TenantTransaction>> Database::tenant_transaction(
    const tenancy::TenantId& tenant, Access access, TenantStatus status) {
  return TenantTransaction::begin(pool_for(access), tenant, access, status);
}

asio::awaitable<Result<Rows>> Database::scoped_statement(std::string_view set_scope, Param scope,
                                                         Access access, std::string_view sql,
                                                         std::vector<Param> params) {
  auto lease = co_await pool_for(access).acquire();
  if (!lease) co_return lease.error();
  const Command commands[] = {
      {begin_sql(access)}, {set_scope, std::span(&scope, 1)}, {sql, params}, {"COMMIT"}};
  auto result = co_await lease->run(commands);
  if (!result) {
    co_await roll_back_if_open(*lease);
    co_return result.error();
  }
  co_return std::move((*result)[2]);
}

asio::awaitable<Result<void>> Database::ping() {
  auto lease = co_await primary_.acquire();
  if (!lease) co_return lease.error();
  const Command commands[] = {{"SELECT 1"}};
  auto result = co_await lease->run(commands);
  if (!result) co_return result.error();
  co_return Result<void>{};
}

}  // namespace tenantry::db
