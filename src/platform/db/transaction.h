// The only ways to PostgreSQL data. A request handler uses a tenant
// transaction: BEGIN; SELECT app_enter_tenant($1); ...; COMMIT, where
// app_enter_tenant (migration 0004) does set_config('app.tenant_id', $1,
// true) and refuses a tenant that is not active (ErrorKind::kTenantInactive).
// So Row-Level Security shows the transaction one tenant's rows and the setting
// ends with the transaction (never a session-level SET, which would leak to
// the next user of a pooled connection). Workers and the operator CLI use a
// SystemTransaction on a pool that connects as the tenantry_system role,
// whose credentials the API never has.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "platform/db/pool.h"
#include "platform/tenancy/tenant_id.h"

namespace tenantry::db {

enum class Access { kReadWrite, kReadOnly };

// The statements that scope a transaction to a tenant for Row-Level
// Security: local to the transaction, never a session-level SET. The second
// also enters a suspended (or not yet created) tenant: platform operations.
inline constexpr std::string_view kSetTenant = "SELECT app_enter_tenant($1)";
inline constexpr std::string_view kSetTenantAnyStatus = "SELECT app_enter_tenant($1, true)";

enum class TenantStatus { kActiveOnly, kAny };

// Statements of one transaction on one leased connection. BEGIN goes out
// with the first statement, in the same round trip. A statement that fails
// rolls the transaction back at once and returns its error; every later
// call returns an error too. Dropping a transaction without commit() or
// rollback() closes its connection (the pool never reuses one mid-
// transaction). `sql` must outlive the call: pass a constant.
class Transaction {
 public:
  Transaction(Transaction&&) noexcept = default;
  Transaction& operator=(Transaction&&) = delete;

  template <typename... Args>
  boost::asio::awaitable<Result<Rows>> query(std::string_view sql, const Args&... args) {
    return run_statement(sql, std::vector<Param>{Param(args)...});
  }
  boost::asio::awaitable<Result<void>> commit();
  boost::asio::awaitable<Result<void>> rollback();
  // True once commit() has succeeded: what happened is durable (cache
  // invalidation waits for this).
  bool committed() const { return committed_; }

 protected:
  // `scope_sql` with `scope` as $1 goes out after BEGIN (nothing when empty).
  Transaction(Lease lease, Access access, std::string_view scope_sql, std::optional<Param> scope);

 private:
  boost::asio::awaitable<Result<Rows>> run_statement(std::string_view sql,
                                                     std::vector<Param> params);
  boost::asio::awaitable<Result<void>> finish(std::string_view sql);

  Lease lease_;
  Access access_;
  std::string_view scope_sql_;
  std::optional<Param> scope_;
  bool begun_ = false;
  bool finished_ = false;
  bool committed_ = false;
};

class TenantTransaction : public Transaction {
 public:
  // Leases a connection from `pool`; sends nothing yet.
  static boost::asio::awaitable<Result<TenantTransaction>> begin(
      Pool& pool, const tenancy::TenantId& tenant, Access access = Access::kReadWrite,
      TenantStatus status = TenantStatus::kActiveOnly);
  // The tenant whose rows this transaction sees.
  const tenancy::TenantId& tenant() const { return *tenant_; }

 private:
  using Transaction::Transaction;
  std::optional<tenancy::TenantId> tenant_;  // always set by begin()
};

class SystemTransaction : public Transaction {
 public:
  // For cross-tenant maintenance: `pool` must connect as tenantry_system.
  static boost::asio::awaitable<Result<SystemTransaction>> begin(
      Pool& pool, Access access = Access::kReadWrite);

 private:
  using Transaction::Transaction;
};

// The primary pool and, when configured (DATABASE_READ_URL), a pool for
// read-only work on a replica; without one, reads go to the primary.
class Database {
 public:
  explicit Database(Pool& primary, Pool* read = nullptr) : primary_(primary), read_(read) {}

  // kReadOnly transactions use the read pool and say BEGIN READ ONLY.
  boost::asio::awaitable<Result<TenantTransaction>> tenant_transaction(
      const tenancy::TenantId& tenant, Access access = Access::kReadWrite,
      TenantStatus status = TenantStatus::kActiveOnly);
  Pool& primary() { return primary_; }

  // One statement in its own tenant transaction: BEGIN, set_config, the
  // statement and COMMIT in one round trip.
  template <typename... Args>
  boost::asio::awaitable<Result<Rows>> tenant_query(const tenancy::TenantId& tenant, Access access,
                                                    std::string_view sql, const Args&... args) {
    return scoped_statement(kSetTenant, Param(tenant), access, sql,
                            std::vector<Param>{Param(args)...});
  }

  // One statement that sees only the tenant whose slug is `slug` (the
  // tenants table's tenant_by_slug policy): for sign-in, which knows a slug
  // before it knows the tenant id. Nothing else is visible.
  template <typename... Args>
  boost::asio::awaitable<Result<Rows>> slug_query(std::string_view slug, Access access,
                                                  std::string_view sql, const Args&... args) {
    return scoped_statement("SELECT set_config('app.tenant_slug', $1, true)", Param(slug), access,
                            sql, std::vector<Param>{Param(args)...});
  }

  // SELECT 1 through the primary pool: readiness.
  boost::asio::awaitable<Result<void>> ping();

 private:
  Pool& pool_for(Access access) { return access == Access::kReadOnly && read_ ? *read_ : primary_; }
  // BEGIN, `set_scope` with `scope` as $1, the statement, COMMIT: one round trip.
  boost::asio::awaitable<Result<Rows>> scoped_statement(std::string_view set_scope, Param scope,
                                                        Access access, std::string_view sql,
                                                        std::vector<Param> params);
  Pool& primary_;
  Pool* read_;
};

}  // namespace tenantry::db
