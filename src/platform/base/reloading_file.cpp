// File stamps for ReloadingFile.
#include "platform/base/reloading_file.h"

#include <sys/stat.h>

namespace tenantry::base {

std::optional<FileStamp> file_stamp(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return FileStamp{
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
      static_cast<std::uintmax_t>(info.st_size), static_cast<std::uint64_t>(info.st_ino)};
}

}  // namespace tenantry::base
