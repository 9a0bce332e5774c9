// argon2id through libsodium on a bounded thread pool.
#include "platform/auth/passwords.h"

#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tenantry::auth {

namespace asio = boost::asio;

unsigned default_password_hash_threads() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores > 1 ? cores - 1 : 1;
}

// A place in the queue, held from before the hop until after the return,
// whatever way the work ends.
class PasswordHasher::Slot {
 public:
  Slot(PasswordHasher& hasher, Sources sources) : hasher_(hasher), sources_(std::move(sources)) {
    held_ = hasher.take(sources_);
  }
  ~Slot() {
    if (held_) hasher_.give_back(sources_);
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  bool held() const { return held_; }

 private:
  PasswordHasher& hasher_;
  Sources sources_;
  bool held_ = false;
};

PasswordHasher::PasswordHasher(PasswordHasherConfig config, auth::PasswordHashMetrics* metrics)
    : config_(config), metrics_(metrics), pool_(std::max(1u, config.threads)) {
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

bool PasswordHasher::take(const Sources& sources) {
  std::lock_guard lock(mutex_);
  if (pending_ >= config_.max_pending) return false;
  for (const auto& source : sources) {
    auto found = pending_by_source_.find(source);
    if (found != pending_by_source_.end() && found->second >= config_.max_pending_per_source)
      return false;
  }
  ++pending_;
  for (const auto& source : sources) ++pending_by_source_[source];
  return true;
}

void PasswordHasher::give_back(const Sources& sources) {
  std::lock_guard lock(mutex_);
  --pending_;
  for (const auto& source : sources) {
    auto found = pending_by_source_.find(source);
    if (--found->second == 0) pending_by_source_.erase(found);
  }
}

namespace {

// The body of the coroutine spawned on the pool. A plain function with the
// work as a parameter: GCC 12 destroys the captures of a coroutine lambda
// twice.
template <typename T>
asio::awaitable<T> work_on(asio::thread_pool& pool, std::function<T()> work,
                           std::atomic<std::uint64_t>& on_pool,
                           std::atomic<std::uint64_t>& off_pool) {
  (pool.get_executor().running_in_this_thread() ? on_pool : off_pool)++;
  co_return work();
}

}  // namespace

// The work runs in a coroutine spawned on the pool; awaiting it with
// use_awaitable resumes the caller on its own executor, on every path,
// an exception from the work included. (`co_await post(pool_,
// use_awaitable)` would not hop: an awaitable's completion resumes on the
// coroutine's executor, so the hash would run on the request thread.)
template <typename T, typename Work>
asio::awaitable<std::optional<T>> PasswordHasher::run(Sources sources, Work work) {
  Slot slot(*this, std::move(sources));
  if (!slot.held()) {
    if (metrics_) metrics_->refused.Increment();
    co_return std::nullopt;
  }
  if (metrics_) metrics_->runs.Increment();
  co_return co_await asio::co_spawn(
      pool_, work_on<T>(pool_, std::function<T()>(std::move(work)), on_pool_, off_pool_),
      asio::use_awaitable);
}

asio::awaitable<std::optional<std::string>> PasswordHasher::hash(std::string password,
                                                                 Sources sources) {
  return run<std::string>(std::move(sources), [password = std::move(password)] { return hash_now(password); });
}

asio::awaitable<std::optional<bool>> PasswordHasher::verify(std::optional<std::string> hash,
                                                            std::string password,
                                                            Sources sources) {
  return run<bool>(std::move(sources), [this, hash = std::move(hash), password = std::move(password)] {
    const std::string& stored = hash ? *hash : dummy_hash_;
    bool match = crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
    return hash.has_value() && match;
  });
}

}  // namespace tenantry::auth
