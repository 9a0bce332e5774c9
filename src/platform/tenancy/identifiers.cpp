// Canonical slugs and e-mail addresses.
#include "platform/tenancy/identifiers.h"

#include <string_view>

namespace tenantry::tenancy {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 5322 atext, already lower-cased.
bool is_atext(char c) {
  return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// Dot-separated non-empty runs of `allowed` characters.
template <typename Allowed>
bool dot_atoms(std::string_view text, Allowed allowed) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.') {
      if (text[i - 1] == '.') return false;
    } else if (!allowed(text[i])) {
      return false;
    }
  }
  return true;
}

bool valid_domain(std::string_view domain) {
  if (domain.size() > 253 || !dot_atoms(domain, [](char c) { return is_alnum(c) || c == '-'; }))
    return false;
  for (std::size_t start = 0; start <= domain.size();) {
    auto dot = domain.find('.', start);
    auto label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> canonical_slug(std::string_view text) {
  if (text.size() < 2 || text.size() > 63) return std::nullopt;
  std::string slug;
  slug.reserve(text.size());
  for (char c : text) {
    c = ascii_lower(c);
    if (!is_alnum(c) && c != '-') return std::nullopt;
    slug += c;
  }
  if (slug.front() == '-') return std::nullopt;
  return slug;
}

std::optional<std::string> canonical_email(std::string_view text) {
  if (text.size() < 3 || text.size() > 254) return std::nullopt;
  std::string email;
  email.reserve(text.size());
  for (char c : text) email += ascii_lower(c);  // bytes >= 0x80 stay, and are refused below
  auto at = email.find('@');
  if (at == std::string::npos || email.find('@', at + 1) != std::string::npos) return std::nullopt;
  auto local = std::string_view(email).substr(0, at);
  auto domain = std::string_view(email).substr(at + 1);
  if (local.size() > 64 || !dot_atoms(local, is_atext) || !valid_domain(domain))
    return std::nullopt;
  return email;
}

}  // namespace tenantry::tenancy
