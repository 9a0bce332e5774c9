// Lower-case hexadecimal, as digests are written in keys, checksums and
// stored token hashes.
#pragma once

#include <span>
#include <string>

namespace tenantry::base {

std::string hex(std::span<const unsigned char> bytes);

}  // namespace tenantry::base
