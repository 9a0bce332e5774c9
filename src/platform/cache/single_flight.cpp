// One load per key at a time, process-wide.
#include "platform/cache/single_flight.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <vector>

namespace tenantry::cache {

namespace asio = boost::asio;

struct SingleFlight::Flight {
  std::optional<Result> result;                // set once, under the mutex
  std::vector<std::function<void()>> wakeups;  // one per follower
};

void SingleFlight::land(const std::string& key, const std::shared_ptr<Flight>& flight,
                        Result result) {
  std::vector<std::function<void()>> wakeups;
  {
    std::lock_guard lock(mutex_);
    flight->result = std::move(result);
    wakeups.swap(flight->wakeups);
    auto found = flights_.find(key);
    if (found != flights_.end() && found->second == flight) flights_.erase(found);
  }
  for (auto& wake : wakeups) wake();
}

asio::awaitable<SingleFlight::Result> SingleFlight::run(std::string key, Work work,
                                                        std::chrono::milliseconds wait) {
  auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Flight> flight;
  std::shared_ptr<asio::steady_timer> timer;
  {
    std::lock_guard lock(mutex_);
    auto& slot = flights_[key];
    if (slot) {
      flight = slot;
      timer = std::make_shared<asio::steady_timer>(executor, wait);
      // Posted to the follower's own executor: a timer is not thread-safe.
      // The follower starts waiting before it yields, so the wake-up cannot
      // arrive before the wait.
      flight->wakeups.push_back(
          [timer] { asio::post(timer->get_executor(), [timer] { timer->cancel(); }); });
    } else {
      slot = flight = std::make_shared<Flight>();
    }
  }
  if (timer) {
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    {
      std::lock_guard lock(mutex_);
      if (flight->result) co_return *flight->result;
    }
    co_return co_await work();  // waited too long
  }

  // The leader. If it ends without a result (an exception, a destroyed
  // coroutine), its followers still get an answer.
  struct Landing {
    SingleFlight& self;
    const std::string& key;
    std::shared_ptr<Flight> flight;
    bool landed = false;
    ~Landing() {
      if (!landed)
        self.land(key, flight, db::Error{db::ErrorKind::kQuery, {}, "the load did not finish"});
    }
  } landing{*this, key, flight};
  auto result = co_await work();
  landing.landed = true;
  land(key, flight, result);
  co_return result;
}

}  // namespace tenantry::cache
