// Reading a whole file, the one way every binary does it (secrets, JWKS,
// migrations, keys): callers say what the file was for in their own error.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace tenantry::base {

// The file's bytes as they are, or nullopt when it cannot be opened or read.
std::optional<std::string> read_file(const std::filesystem::path& path);

}  // namespace tenantry::base
