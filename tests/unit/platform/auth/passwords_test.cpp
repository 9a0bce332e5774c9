// PasswordHasher: the work really runs on its pool, on every path, and the
// queue is shared out between sources.
#include "platform/auth/passwords.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "support/coro.h"

namespace tenantry::auth {
namespace {

namespace asio = boost::asio;
using testing::run_coro;

TEST(PasswordHasher, HashesAndVerifiesOnItsPoolNeverOnTheCallersThread) {
  PasswordHasher hasher({.threads = 1, .max_pending = 4, .max_pending_per_source = 4});
  asio::io_context context;
  auto caller = std::this_thread::get_id();
  std::thread::id resumed_on;
  auto hash = run_coro(context, [&]() -> asio::awaitable<std::optional<std::string>> {
    PasswordHasher::Sources sources{"t:a"};
    auto h = co_await hasher.hash("correct horse battery", std::move(sources));
    resumed_on = std::this_thread::get_id();
    co_return h;
  }());
  ASSERT_TRUE(hash);
  EXPECT_EQ(resumed_on, caller);  // back on the caller's executor after the work
  EXPECT_EQ(run_coro(context, hasher.verify(*hash, "correct horse battery", {"t:a"})), true);
  EXPECT_EQ(run_coro(context, hasher.verify(*hash, "wrong", {"t:a"})), false);
  EXPECT_EQ(run_coro(context, hasher.verify(std::nullopt, "anything", {})), false);
  EXPECT_EQ(hasher.runs_on_pool(), 4u);
  EXPECT_EQ(hasher.runs_off_pool(), 0u);
}

TEST(PasswordHasher, EachSourceHoldsOnlyItsShareOfTheQueue) {
  PasswordHasher hasher({.threads = 1, .max_pending = 3, .max_pending_per_source = 2});
  asio::io_context context;
  std::vector<std::optional<bool>> tenant_a, others;
  auto verify = [&](std::vector<std::string> sources, std::vector<std::optional<bool>>& out) {
    asio::co_spawn(
        context,
        [&, sources]() -> asio::awaitable<void> {
          out.push_back(co_await hasher.verify(std::nullopt, "x", sources));
        },
        asio::detached);
  };
  // Started together: a's third is refused at once (its share is 2), b's
  // first fits, c's does not (the queue of 3 is full).
  verify({"t:a", "a:1"}, tenant_a);
  verify({"t:a", "a:2"}, tenant_a);
  verify({"t:a", "a:3"}, tenant_a);
  verify({"t:b", "a:1"}, others);
  verify({"t:c", "a:4"}, others);
  context.run();
  ASSERT_EQ(tenant_a.size(), 3u);
  EXPECT_EQ(std::count(tenant_a.begin(), tenant_a.end(), std::nullopt), 1);
  ASSERT_EQ(others.size(), 2u);
  EXPECT_EQ(std::count(others.begin(), others.end(), std::nullopt), 1);
  // Every slot came back: the same burst fits again.
  tenant_a.clear();
  verify({"t:a"}, tenant_a);
  verify({"t:a"}, tenant_a);
  context.restart();
  context.run();
  EXPECT_EQ(std::count(tenant_a.begin(), tenant_a.end(), false), 2);
}

TEST(PasswordHasher, DefaultThreadsLeaveOneCoreToTheRequests) {
  unsigned cores = std::thread::hardware_concurrency();
  EXPECT_EQ(default_password_hash_threads(), cores > 1 ? cores - 1 : 1);
}

}  // namespace
}  // namespace tenantry::auth
