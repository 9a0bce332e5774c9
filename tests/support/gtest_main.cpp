// The main of every googletest binary of the project: googletest's, plus a
// listener that makes a skipped test a failed one. Tests here never skip: a
// service that does not start is a failure (see tests/support/gtest.cmake
// for why CTest alone cannot be told so).
#include <gtest/gtest.h>

namespace {

// googletest 1.12 skips every test of a suite whose SetUpTestSuite failed
// (threw, or a fatal assertion), and GTEST_SKIP() skips one. At OnTestEnd the
// test is still the current one, so a failure added here is the test's own:
// the result printer, which hears OnTestEnd after this listener, prints
// "[  FAILED  ]" instead of "[  SKIPPED ]", and the binary exits 1.
class SkipIsFailure : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo& test) override {
    if (test.result()->Skipped()) {
      ADD_FAILURE() << "skipped: a test here never skips (a SetUpTestSuite that failed, "
                       "or GTEST_SKIP); the reason is above";
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Appended after the result printer, so told of a test's end before it.
  ::testing::UnitTest::GetInstance()->listeners().Append(new SkipIsFailure);
  return RUN_ALL_TESTS();
}
