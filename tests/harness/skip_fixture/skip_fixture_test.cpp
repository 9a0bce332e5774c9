// Tests that must fail a run, and one that must pass: the fixture of
// tests/harness/skipped_tests_fail.sh (never part of the project's build).
#include <gtest/gtest.h>

#include <stdexcept>

namespace {

// As an integration test whose PostgreSQL did not start: googletest 1.12
// reports its tests as skipped.
class BrokenSetUp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { throw std::runtime_error("the service did not start"); }
};

TEST_F(BrokenSetUp, WouldPassIfItRan) { SUCCEED(); }

TEST(ExplicitSkip, CallsGtestSkip) { GTEST_SKIP() << "a test that skips itself"; }

TEST(DISABLED_Parked, NeverRuns) { SUCCEED(); }

TEST(Control, Passes) { SUCCEED(); }

}  // namespace
