// Password hashing with argon2id (libsodium crypto_pwhash_str), off the
// server's threads: one hash runs 2 passes over 64 MiB (libsodium's
// "interactive" limits: OPSLIMIT 2, MEMLIMIT 64 MiB), tens of milliseconds
// of CPU, which must not stall the requests sharing an io_context. Hashing
// runs on its own thread pool with a bound on the work waiting for it, and
// each source of work (a tenant, a client address) may hold only a share of
// that bound, so that one tenant or one address cannot take every slot.
// Beyond a bound, callers get nullopt (answer 503 with Retry-After).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/auth/metrics.h"

namespace tenantry::auth {

struct PasswordHasherConfig {
  unsigned threads = 1;
  std::size_t max_pending = 64;            // hashes queued or running, in all
  std::size_t max_pending_per_source = 16;  // of those, for any one source
};

// The cores minus one (one is left to the request threads), at least one.
unsigned default_password_hash_threads();

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHasherConfig config,
                          auth::PasswordHashMetrics* metrics = nullptr);
  ~PasswordHasher();

  // `sources` name who the work is for ("t:<tenant>", "a:<address>"); each
  // is held to its share of the queue.
  using Sources = std::vector<std::string>;

  // An argon2id hash string ($argon2id$v=19$m=...), or nullopt when busy.
  boost::asio::awaitable<std::optional<std::string>> hash(std::string password, Sources sources);
  // Whether `password` matches `hash`, or nullopt when busy. With no hash
  // (an unknown user), verifies against a fixed dummy hash and answers
  // false, so that an unknown user takes as long as a wrong password.
  boost::asio::awaitable<std::optional<bool>> verify(std::optional<std::string> hash,
                                                     std::string password, Sources sources);

  // How many hashes ran on the pool's threads, and how many anywhere else
  // (always 0: the invariant the tests check).
  std::uint64_t runs_on_pool() const { return on_pool_; }
  std::uint64_t runs_off_pool() const { return off_pool_; }

  // Blocking versions, for the operator CLI.
  static std::string hash_now(const std::string& password);

 private:
  class Slot;
  template <typename T, typename Work>
  boost::asio::awaitable<std::optional<T>> run(Sources sources, Work work);
  bool take(const Sources& sources);
  void give_back(const Sources& sources);

  PasswordHasherConfig config_;
  auth::PasswordHashMetrics* metrics_;
  boost::asio::thread_pool pool_;
  std::mutex mutex_;
  std::size_t pending_ = 0;
  std::unordered_map<std::string, std::size_t> pending_by_source_;
  std::atomic<std::uint64_t> on_pool_{0};
  std::atomic<std::uint64_t> off_pool_{0};
  std::string dummy_hash_;
};

}  // namespace tenantry::auth
