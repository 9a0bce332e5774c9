// A value parsed from a file and parsed again when the file changes, so that
// keys and similar configuration rotate without a restart. The file is
// checked (one stat of its mtime, size and inode) at most once per
// interval, by whichever caller comes first after it: a change is in effect
// within the interval plus one call. reload() re-reads at once (SIGHUP). A
// file that became unreadable or invalid leaves the previous value in place
// and is logged once per change. Safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "platform/base/file.h"
#include "platform/base/log.h"

namespace tenantry::base {

struct FileStamp {
  std::int64_t mtime_ns = 0;
  std::uintmax_t size = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};
std::optional<FileStamp> file_stamp(const std::filesystem::path& path);

template <typename T>
class ReloadingFile {
 public:
  // Throws what `parse` throws for bad content, or std::runtime_error.
  using Parse = std::function<T(const std::string& text)>;

  // Reads the file now; throws std::runtime_error("<path>: <reason>").
  ReloadingFile(std::filesystem::path path, std::chrono::milliseconds interval, Parse parse,
                Logger& logger)
      : path_(std::move(path)), interval_(interval), parse_(std::move(parse)), logger_(logger) {
    try {
      load();
    } catch (const std::exception& e) {
      throw std::runtime_error(path_.string() + ": " + e.what());
    }
    next_check_ns_ = now_ns() + std::chrono::nanoseconds(interval_).count();
  }

  std::shared_ptr<const T> get() {
    auto now = now_ns();
    if (now >= next_check_ns_.load(std::memory_order_relaxed)) {
      std::unique_lock lock(mutex_, std::try_to_lock);
      if (lock && now >= next_check_ns_.load(std::memory_order_relaxed)) {
        next_check_ns_ = now + std::chrono::nanoseconds(interval_).count();
        auto current = file_stamp(path_);
        if (current && *current != stamp_) {
          lock.unlock();
          reload();
        }
      }
    }
    return value_.load();
  }

  bool reload() {
    std::lock_guard lock(mutex_);
    try {
      load();
    } catch (const std::exception& e) {
      logger_.error("file not reloaded; the previous contents stay in use",
                    {{"file", path_.string()}, {"error", e.what()}});
      return false;
    }
    logger_.info("file loaded", {{"file", path_.string()}});
    return true;
  }

 private:
  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // Called with mutex_ held (or from the constructor).
  void load() {
    auto stamp = file_stamp(path_);
    if (stamp) stamp_ = *stamp;  // a bad file is reported once per change
    auto text = read_file(path_);
    if (!text) throw std::runtime_error("cannot read the file");
    value_.store(std::make_shared<const T>(parse_(*text)));
  }

  std::filesystem::path path_;
  std::chrono::milliseconds interval_;
  Parse parse_;
  Logger& logger_;
  std::atomic<std::shared_ptr<const T>> value_;
  std::atomic<std::int64_t> next_check_ns_{0};
  std::mutex mutex_;  // one reader of the file at a time; guards stamp_
  FileStamp stamp_;
};

}  // namespace tenantry::base
