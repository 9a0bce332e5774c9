// libFuzzer target for the access-token parser (auth::verify). The first
// byte picks what the rest is:
//   even: a whole token, as a client could send it (header, base64url and
//         structure checks, key lookup, signature);
//   odd:  a claims payload, signed here with the harness's own key, so the
//         fuzzer also reaches the claim checks behind the signature.
// Any crash, sanitizer report or leak fails the run (tests/fuzz/run-token-fuzz).
#include <cstddef>
#include <cstdint>
#include <string>

#include "platform/auth/base64url.h"
#include "platform/auth/jwt.h"

namespace {

using namespace tenantry::auth;

struct Harness {
  SigningKey key = SigningKey::generate();
  KeySet keys = KeySet::parse(jwks_document({key.public_jwk()}));
  VerifyOptions options{"tenantry", "tenantry-api"};
};

Harness& harness() {
  static Harness instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& h = harness();
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  if (data[0] % 2 == 0) {
    (void)verify(rest, h.keys, h.options, now);
  } else {
    auto token = sign(h.key, rest);
    auto result = verify(token, h.keys, h.options, now);
    if (result && result->subject.empty()) __builtin_trap();  // sub is required
  }
  (void)base64url_decode(rest);
  return 0;
}
