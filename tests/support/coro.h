// Running a coroutine to completion on an io_context, for tests of
// awaitable APIs. Exceptions from the coroutine reach the test.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

namespace tenantry::testing {

template <typename T>
T run_coro(boost::asio::io_context& context, boost::asio::awaitable<T> op) {
  std::optional<T> out;
  std::exception_ptr failure;
  boost::asio::co_spawn(
      context, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(op)); },
      [&](std::exception_ptr e) { failure = e; });
  context.restart();
  context.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace tenantry::testing
