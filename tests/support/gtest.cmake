# How every googletest binary of the project is built and registered with
# CTest: tests/CMakeLists.txt (tenantry_test) and the harness self-test's
# fixture project (tests/harness/skip_fixture) both include this file.
#
# A skipped test must fail the run. googletest 1.12 reports the tests of a
# suite whose SetUpTestSuite threw (a service that did not start) as
# "[  SKIPPED ]", and gtest_discover_tests gives every test
# SKIP_REGULAR_EXPRESSION "[  SKIPPED ]". CTest checks that expression before
# the exit status and before any FAIL_REGULAR_EXPRESSION, and a test property
# set again appends to that list rather than replacing it: no property can
# turn the skip back into a failure. So the binaries' own main
# (support/gtest_main.cpp) fails a skipped test before googletest prints it,
# and the output never holds the marker.
# tests/harness/skipped_tests_fail.sh proves it on a fixture built through
# this very file.

if(NOT TARGET tenantry_gtest_main)
  add_library(tenantry_gtest_main STATIC ${CMAKE_CURRENT_LIST_DIR}/gtest_main.cpp)
  target_link_libraries(tenantry_gtest_main PUBLIC GTest::gtest)
endif()

# tenantry_gtest_binary(TARGET [PROPERTIES...]): links TARGET with the main
# above and registers each of its tests with CTest; PROPERTIES (LABELS,
# RUN_SERIAL, TIMEOUT, ...) are set on each.
function(tenantry_gtest_binary target)
  target_link_libraries(${target} PRIVATE tenantry_gtest_main)
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 60 PROPERTIES ${ARGN})
endfunction()
