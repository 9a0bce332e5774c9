// A UUID in canonical text form (8-4-4-4-12, lower case): user, project,
// service-account ids, and what a TenantId wraps. Only parse() and random()
// make one, so holding a Uuid means holding a well-formed id.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenantry::base {

class Uuid {
 public:
  // Accepts 8-4-4-4-12 hexadecimal digits in either case; nullopt otherwise.
  static std::optional<Uuid> parse(std::string_view text);
  // A random (version 4) UUID from the system's CSPRNG.
  static Uuid random();

  const std::string& str() const { return text_; }
  friend bool operator==(const Uuid&, const Uuid&) = default;

 private:
  explicit Uuid(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace tenantry::base
