// Audit rows, one statement each, in the caller's transaction.
#include "platform/audit/audit.h"

namespace tenantry::audit {

boost::asio::awaitable<db::Result<void>> record(db::TenantTransaction& tx, Entry entry) {
  auto inserted = co_await tx.query(
      "INSERT INTO audit_log (tenant_id, actor, action, resource, request_id, details) "
      "VALUES ($1, $2, $3, $4, $5, coalesce($6::jsonb, '{}'))",
      tx.tenant(), entry.actor, entry.action, entry.resource, entry.request_id, entry.details);
  if (!inserted) co_return inserted.error();
  co_return db::Result<void>{};
}

}  // namespace tenantry::audit
