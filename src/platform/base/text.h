// The checks every piece of text from outside passes before it reaches a
// key, a query or a log: valid UTF-8 and no NUL for any text, and no
// control character at all in identifiers. PostgreSQL text cannot hold a
// NUL and libpq cuts a parameter at one, so a NUL that got through would
// make the database see another string than the code that checked it.
#pragma once

#include <optional>
#include <string_view>

namespace tenantry::base {

enum class TextKind {
  kText,        // free text: valid UTF-8 without NUL (keeps \t, \n, \r)
  kIdentifier,  // slugs, addresses, names, keys: also no control character (C0, DEL, C1)
};

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_valid_utf8(std::string_view text);

// Why `text` is not acceptable as `kind` ("is not valid UTF-8", "contains a
// NUL byte", "contains a control character"), or nullopt when it is.
std::optional<std::string_view> text_problem(std::string_view text, TextKind kind);

}  // namespace tenantry::base
