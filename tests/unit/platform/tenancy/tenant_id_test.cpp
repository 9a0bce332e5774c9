// TenantId is a Uuid kept apart by its type: it takes exactly what
// base::Uuid::parse takes (uuid_test covers the forms), canonicalized.
#include "platform/tenancy/tenant_id.h"

#include <gtest/gtest.h>

namespace tenantry::tenancy {
namespace {

TEST(TenantId, ParsesWhatAUuidParsesAndNothingElse) {
  auto id = TenantId::parse("0A1B2C3D-0000-4000-8000-00000000000F");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->str(), "0a1b2c3d-0000-4000-8000-00000000000f");
  EXPECT_EQ(*id, TenantId::of(*base::Uuid::parse(id->str())));
  EXPECT_FALSE(TenantId::parse("'; DROP TABLE tasks; --xxxxxxxxxxxx"));
}

}  // namespace
}  // namespace tenantry::tenancy
