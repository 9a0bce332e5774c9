// The audit log: one row per change, written by the change's own tenant
// transaction (a change that rolls back leaves no row), for the tenant that
// transaction is scoped to: the tenant is never passed in, so a row cannot
// land in another tenant's log.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "platform/db/transaction.h"

namespace tenantry::audit {

struct Entry {
  std::string actor;     // who: the token's subject, or the account signing in
  std::string action;    // what: e.g. "user_created", "sign_in"
  std::string resource;  // on what: e.g. "user:<id>", "tenant", "auth"
  std::string request_id;
  std::optional<std::string> details;  // a JSON object; none: {}
};

boost::asio::awaitable<db::Result<void>> record(db::TenantTransaction& tx, Entry entry);

}  // namespace tenantry::audit
