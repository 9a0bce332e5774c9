// The one canonical form of each identifier a person types: the form that
// is stored, looked up and used in every rate-limit key, so that two
// spellings of one account can never be two accounts or two budgets.
//
// Tenant slugs: 2 to 63 ASCII lower-case letters, digits and '-', starting
// with a letter or digit (the schema's CHECK); upper-case ASCII letters are
// folded, anything else is refused.
//
// E-mail addresses: ASCII only (an internationalized domain is written in
// its xn-- form), a local part of RFC 5322 atext and single dots (at most
// 64 bytes), '@', a domain of letters, digits, '-' and dots (at most 253
// bytes); 254 bytes in all. The canonical form is the whole address in ASCII
// lower case. Nothing outside ASCII is folded: PostgreSQL's lower() would
// map U+212A KELVIN SIGN onto 'k' under a UTF-8 locale, so such an address
// is refused rather than folded differently by the code and the database.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenantry::tenancy {

std::optional<std::string> canonical_slug(std::string_view text);
std::optional<std::string> canonical_email(std::string_view text);

// What the rules above say, for error messages.
inline constexpr std::string_view kSlugRule =
    "2 to 63 ASCII letters, digits or '-', starting with a letter or digit";
inline constexpr std::string_view kEmailRule =
    "an ASCII e-mail address of at most 254 characters (an international domain in its xn-- "
    "form)";

}  // namespace tenantry::tenancy
