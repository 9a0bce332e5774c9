// argon2id through libsodium on a bounded thread pool.
#include "platform/auth/passwords.h"

#include <sodium.h>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

namespace tenantry::auth {
namespace {

namespace asio = boost::asio;

// Counts a unit of work in flight for as long as it lives.
struct PendingSlot {
  std::atomic<std::size_t>& pending;
  ~PendingSlot() { --pending; }
};

}  // namespace

PasswordHasher::PasswordHasher(unsigned threads, std::size_t max_pending)
    : pool_(threads), max_pending_(max_pending) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  dummy_hash_ = hash_now("a password nobody has");
}

PasswordHasher::~PasswordHasher() { pool_.join(); }

std::string PasswordHasher::hash_now(const std::string& password) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("out of memory hashing a password");
  }
  return out;
}

// The work hops to the pool's thread and back: `co_await post(pool)`
// resumes this coroutine on a pool thread, `co_await post(executor)` on its
// own io_context again, so that nothing after it runs on the pool.
asio::awaitable<std::optional<std::string>> PasswordHasher::hash(std::string password) {
  if (++pending_ > max_pending_) {
    --pending_;
    co_return std::nullopt;
  }
  PendingSlot slot{pending_};
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(pool_, asio::use_awaitable);
  std::string hashed = hash_now(password);
  co_await asio::post(home, asio::use_awaitable);
  co_return hashed;
}

asio::awaitable<std::optional<bool>> PasswordHasher::verify(std::optional<std::string> hash,
                                                            std::string password) {
  if (++pending_ > max_pending_) {
    --pending_;
    co_return std::nullopt;
  }
  PendingSlot slot{pending_};
  const std::string& stored = hash ? *hash : dummy_hash_;
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(pool_, asio::use_awaitable);
  bool match = crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
  co_await asio::post(home, asio::use_awaitable);
  co_return hash.has_value() && match;
}

}  // namespace tenantry::auth
