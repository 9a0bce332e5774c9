// A replica's verification keys: a JWKS file, re-read when it changes so
// that keys rotate without a restart. The file is checked (one stat) at
// most once per check interval, by whichever request comes first after it;
// so a change is in effect within the interval (default 1 s) plus one
// request. reload() re-reads at once (SIGHUP). A file that became
// unreadable or invalid leaves the previous keys in place and is logged.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "platform/auth/keys.h"
#include "platform/base/log.h"

namespace tenantry::auth {

class KeyStore {
 public:
  // Reads the file; throws KeyError naming it when it cannot.
  KeyStore(std::filesystem::path path, std::chrono::milliseconds check_interval,
           base::Logger& logger);

  std::shared_ptr<const KeySet> keys();
  // Re-reads the file now; false (and the old keys kept) when it is bad.
  bool reload();

 private:
  struct Stamp {
    std::int64_t mtime_ns = 0;
    std::uintmax_t size = 0;
    std::uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  std::optional<Stamp> stamp() const;
  void load(const Stamp& stamp);  // throws KeyError

  std::filesystem::path path_;
  std::chrono::milliseconds check_interval_;
  base::Logger& logger_;
  std::atomic<std::shared_ptr<const KeySet>> keys_;
  std::atomic<std::int64_t> next_check_ns_{0};
  std::mutex reload_mutex_;  // one reader of the file at a time; guards stamp_
  Stamp stamp_;
};

}  // namespace tenantry::auth
