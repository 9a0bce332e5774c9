// Bounding an awaitable with a deadline: every wait has one.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

namespace tenantry::base {

// Runs `op`; if it has not finished after `timeout`, cancels it and returns
// nullopt. `op` must report failures as values, not exceptions (`||` waits
// for the first *successful* completion).
template <typename T>
boost::asio::awaitable<std::optional<T>> with_deadline(boost::asio::awaitable<T> op,
                                                       std::chrono::milliseconds timeout) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, timeout);
  // as_tuple: a cancelled timer completes with an error code instead of
  // throwing, so the common case (op first) costs no exception.
  auto result = co_await (std::move(op) ||
                          timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
  if (result.index() == 0) co_return std::get<0>(std::move(result));
  co_return std::nullopt;
}

}  // namespace tenantry::base
