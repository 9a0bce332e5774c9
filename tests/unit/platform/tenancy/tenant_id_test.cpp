#include "platform/tenancy/tenant_id.h"

#include <gtest/gtest.h>

namespace tenantry::tenancy {
namespace {

TEST(TenantId, ParsesCanonicalUuidsAndLowersTheirCase) {
  auto id = TenantId::parse("0A1B2C3D-0000-4000-8000-00000000000F");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->str(), "0a1b2c3d-0000-4000-8000-00000000000f");
  EXPECT_EQ(*id, *TenantId::parse("0a1b2c3d-0000-4000-8000-00000000000f"));
}

TEST(TenantId, RefusesAnythingElse) {
  for (const char* bad :
       {"", "tenant-a", "0a1b2c3d000040008000000000000000", "0a1b2c3d-0000-4000-8000-00000000000",
        "0a1b2c3d-0000-4000-8000-00000000000g", "0a1b2c3d_0000-4000-8000-00000000000f",
        "'; DROP TABLE tasks; --xxxxxxxxxxxx"}) {
    EXPECT_FALSE(TenantId::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace tenantry::tenancy
