// Who is calling: what a verified access token says, for the length of one
// request. Never kept past it (ADR-009: no authentication state in memory).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "platform/tenancy/tenant_id.h"

namespace tenantry::tenancy {

struct Principal {
  std::string subject;  // the user or service account id (`sub`)
  TenantId tenant;      // `tid`: the only source of the tenant of a request
  std::vector<std::string> roles;

  bool has_role(std::string_view role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
};

}  // namespace tenantry::tenancy
