// Whole-file reads.
#include "platform/base/file.h"

#include <fstream>
#include <sstream>

namespace tenantry::base {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

}  // namespace tenantry::base
