// Parsing tenant ids.
#include "platform/tenancy/tenant_id.h"

namespace tenantry::tenancy {

std::optional<TenantId> TenantId::parse(std::string_view text) {
  auto id = base::Uuid::parse(text);
  if (!id) return std::nullopt;
  return TenantId(std::move(*id));
}

}  // namespace tenantry::tenancy
