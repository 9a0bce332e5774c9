// Parsing tenant ids.
#include "platform/tenancy/tenant_id.h"

#include <cctype>

namespace tenantry::tenancy {

std::optional<TenantId> TenantId::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string canonical(text);
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    char& c = canonical[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (c == '-')) return std::nullopt;
    if (dash) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return TenantId(std::move(canonical));
}

}  // namespace tenantry::tenancy
