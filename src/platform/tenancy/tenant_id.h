// The identity of a tenant: a UUID in canonical lowercase text form. Only
// parse() makes one, so holding a TenantId means holding a well-formed id;
// where it comes from (the verified JWT, an operator's command) is the
// caller's business.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenantry::tenancy {

class TenantId {
 public:
  // Accepts 8-4-4-4-12 hexadecimal digits in either case; nullopt otherwise.
  static std::optional<TenantId> parse(std::string_view text);

  const std::string& str() const { return text_; }
  friend bool operator==(const TenantId&, const TenantId&) = default;

 private:
  explicit TenantId(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace tenantry::tenancy
