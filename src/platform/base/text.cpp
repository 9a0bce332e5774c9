// UTF-8 validation and the control-character rule.
#include "platform/base/text.h"

namespace tenantry::base {
namespace {

// Decodes the code point starting at text[i] and advances i, or returns -1
// for an ill-formed sequence.
long next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return text[i++] == 0 ? 0 : lead;
  int length;
  long cp;
  long min;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + length > text.size()) return -1;
  for (int k = 1; k < length; ++k) {
    unsigned char c = byte(i + k);
    if ((c & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += length;
  return cp;
}

bool is_control(long cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (next_code_point(text, i) < 0) return false;
  }
  return true;
}

std::optional<std::string_view> text_problem(std::string_view text, TextKind kind) {
  bool control = false;
  for (std::size_t i = 0; i < text.size();) {
    long cp = next_code_point(text, i);
    if (cp < 0) return "is not valid UTF-8";
    if (cp == 0) return "contains a NUL byte";
    if (is_control(cp)) control = true;
  }
  if (control && kind == TextKind::kIdentifier) return "contains a control character";
  return std::nullopt;
}

}  // namespace tenantry::base
