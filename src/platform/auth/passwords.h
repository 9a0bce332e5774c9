// Password hashing with argon2id (libsodium crypto_pwhash_str), off the
// server's threads: one hash costs about 3 iterations over 64 MiB
// (libsodium's "interactive" limits: OPSLIMIT 2, MEMLIMIT 64 MiB), tens of
// milliseconds of CPU, which must not stall the requests sharing an
// io_context. Hashing runs on its own small thread pool with a bound on the
// work waiting for it; beyond the bound, callers get nullopt (answer 503).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <optional>
#include <string>

namespace tenantry::auth {

class PasswordHasher {
 public:
  PasswordHasher(unsigned threads, std::size_t max_pending);
  ~PasswordHasher();

  // An argon2id hash string ($argon2id$v=19$m=...), or nullopt when busy.
  boost::asio::awaitable<std::optional<std::string>> hash(std::string password);
  // Whether `password` matches `hash`, or nullopt when busy. With no hash
  // (an unknown user), verifies against a fixed dummy hash and answers
  // false, so that an unknown user takes as long as a wrong password.
  boost::asio::awaitable<std::optional<bool>> verify(std::optional<std::string> hash,
                                                     std::string password);

  // Blocking versions, for the operator CLI.
  static std::string hash_now(const std::string& password);

 private:
  boost::asio::thread_pool pool_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
  std::string dummy_hash_;
};

}  // namespace tenantry::auth
