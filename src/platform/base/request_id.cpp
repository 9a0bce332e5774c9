// X-Request-ID validation and generation; traceparent parsing.
#include "platform/base/request_id.h"

#include <array>
#include <cstdint>
#include <random>

namespace tenantry::base {
namespace {

// splitmix64 seeded per thread from the OS: ids must be unique and
// unguessable enough for correlation, not secret (they are never credentials).
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

SplitMix64& rng() {
  thread_local SplitMix64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  return engine;
}

// Writes `digits` lowercase hex digits of `value` at `out` (hot path: no
// per-character string growth).
void write_hex(char* out, std::uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[value & 0xf];
    value >>= 4;
  }
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zero(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string generate_request_id() {
  std::uint64_t hi = rng()();
  std::uint64_t lo = rng()();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;            // version 4
  lo = (lo & ~(0xcULL << 60)) | (0x8ULL << 60);  // variant 10
  char id[36];
  write_hex(id, hi >> 32, 8);
  id[8] = '-';
  write_hex(id + 9, (hi >> 16) & 0xffff, 4);
  id[13] = '-';
  write_hex(id + 14, hi & 0xffff, 4);
  id[18] = '-';
  write_hex(id + 19, lo >> 48, 4);
  id[23] = '-';
  write_hex(id + 24, lo & 0xffffffffffffULL, 12);
  return std::string(id, sizeof id);
}

std::string generate_trace_id() {
  char id[32];
  write_hex(id, rng()(), 16);
  write_hex(id + 16, rng()(), 16);
  return std::string(id, sizeof id);
}

std::optional<TraceContext> parse_traceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags  =  2+1+32+1+16+1+2 = 55
  if (header.size() < 55) return std::nullopt;
  auto version = header.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  auto trace_id = header.substr(3, 32);
  auto parent_id = header.substr(36, 16);
  auto flags = header.substr(53, 2);
  if (!is_lower_hex(trace_id) || !is_lower_hex(parent_id) || !is_lower_hex(flags)) {
    return std::nullopt;
  }
  if (all_zero(trace_id) || all_zero(parent_id)) return std::nullopt;
  return TraceContext{std::string(trace_id), std::string(parent_id), std::string(flags)};
}

}  // namespace tenantry::base
