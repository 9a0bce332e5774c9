// Reading and re-reading the JWKS file.
#include "platform/auth/key_store.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace tenantry::auth {
namespace {

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

KeyStore::KeyStore(std::filesystem::path path, std::chrono::milliseconds check_interval,
                   base::Logger& logger)
    : path_(std::move(path)), check_interval_(check_interval), logger_(logger) {
  auto now = stamp();
  if (!now) throw KeyError(path_.string() + ": cannot read the JWKS file");
  try {
    load(*now);
  } catch (const KeyError& e) {
    throw KeyError(path_.string() + ": " + e.what());
  }
  next_check_ns_ = steady_ns() + std::chrono::nanoseconds(check_interval_).count();
}

std::optional<KeyStore::Stamp> KeyStore::stamp() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return std::nullopt;
  return Stamp{static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
               static_cast<std::uintmax_t>(info.st_size), static_cast<std::uint64_t>(info.st_ino)};
}

void KeyStore::load(const Stamp& stamp) {
  std::ifstream in(path_);
  if (!in) throw KeyError("cannot read the JWKS file");
  std::stringstream text;
  text << in.rdbuf();
  auto keys = std::make_shared<const KeySet>(KeySet::parse(text.str()));
  keys_.store(std::move(keys));
  stamp_ = stamp;
}

std::shared_ptr<const KeySet> KeyStore::keys() {
  auto now = steady_ns();
  if (now >= next_check_ns_.load(std::memory_order_relaxed)) {
    std::unique_lock lock(reload_mutex_, std::try_to_lock);
    if (lock && now >= next_check_ns_.load(std::memory_order_relaxed)) {
      next_check_ns_ = now + std::chrono::nanoseconds(check_interval_).count();
      auto current = stamp();
      if (current && *current != stamp_) {
        lock.unlock();
        reload();
      }
    }
  }
  return keys_.load();
}

bool KeyStore::reload() {
  std::lock_guard lock(reload_mutex_);
  auto current = stamp();
  try {
    if (!current) throw KeyError("cannot read the JWKS file");
    load(*current);
  } catch (const KeyError& e) {
    if (current) stamp_ = *current;  // logged once per change of the file, not per check
    logger_.error("keys not reloaded; the previous keys stay in use",
                  {{"file", path_.string()}, {"error", e.what()}});
    return false;
  }
  logger_.info("keys loaded", {{"file", path_.string()},
                               {"keys", static_cast<std::int64_t>(keys_.load()->size())}});
  return true;
}

}  // namespace tenantry::auth
