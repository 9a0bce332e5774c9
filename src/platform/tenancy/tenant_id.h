// The identity of a tenant: a UUID, kept apart from other ids by its type
// (a user id is never a tenant id). Only parse() and of() make one;
// where it comes from (the verified JWT, an operator's command) is the
// caller's business.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/base/uuid.h"

namespace tenantry::tenancy {

class TenantId {
 public:
  // Accepts 8-4-4-4-12 hexadecimal digits in either case; nullopt otherwise.
  static std::optional<TenantId> parse(std::string_view text);
  // A new tenant's id.
  static TenantId of(base::Uuid id) { return TenantId(std::move(id)); }

  const std::string& str() const { return id_.str(); }
  friend bool operator==(const TenantId&, const TenantId&) = default;

 private:
  explicit TenantId(base::Uuid id) : id_(std::move(id)) {}
  base::Uuid id_;
};

}  // namespace tenantry::tenancy
