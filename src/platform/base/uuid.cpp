// Parsing and making UUIDs.
#include "platform/base/uuid.h"

#include <openssl/rand.h>

#include <cctype>
#include <stdexcept>

#include "platform/base/hex.h"

namespace tenantry::base {

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string canonical(text);
  for (std::size_t i = 0; i < canonical.size(); ++i) {
    char& c = canonical[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (c == '-')) return std::nullopt;
    if (dash) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return Uuid(std::move(canonical));
}

Uuid Uuid::random() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness");
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
  auto digits = hex(bytes);
  return Uuid(digits.substr(0, 8) + "-" + digits.substr(8, 4) + "-" + digits.substr(12, 4) + "-" +
              digits.substr(16, 4) + "-" + digits.substr(20));
}

}  // namespace tenantry::base
