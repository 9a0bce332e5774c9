// tenantry-bench-jwt: what verifying one access token costs, in CPU time on
// one thread (Google Benchmark): a valid RS256 token (2048-bit key), the
// same with a 4096-bit key, and a token refused before the signature (alg
// none), for comparison. Run by bench/http-auth.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "platform/auth/base64url.h"
#include "platform/auth/jwt.h"

namespace {

using namespace tenantry::auth;

std::string claims() {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return boost::json::serialize(boost::json::object{{"iss", "tenantry"},
                                                    {"aud", "tenantry-api"},
                                                    {"sub", "user-1"},
                                                    {"tid", "00000000-0000-4000-8000-00000000000a"},
                                                    {"roles", {"member"}},
                                                    {"iat", now},
                                                    {"exp", now + 3600}});
}

void verify_with_bits(benchmark::State& state, int bits) {
  auto key = SigningKey::generate(bits);
  auto keys = KeySet::parse(jwks_document({key.public_jwk()}));
  auto token = sign(key, claims());
  VerifyOptions options{"tenantry", "tenantry-api"};
  for (auto _ : state) {
    auto result = verify(token, keys, options, std::chrono::system_clock::now());
    if (!result) state.SkipWithError("the token was refused");
    benchmark::DoNotOptimize(result);
  }
}

void BM_VerifyRs256_2048(benchmark::State& state) { verify_with_bits(state, 2048); }
void BM_VerifyRs256_4096(benchmark::State& state) { verify_with_bits(state, 4096); }

void BM_RefuseAlgNone(benchmark::State& state) {
  auto key = SigningKey::generate();
  auto keys = KeySet::parse(jwks_document({key.public_jwk()}));
  auto token = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims()) + ".";
  VerifyOptions options{"tenantry", "tenantry-api"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(verify(token, keys, options, std::chrono::system_clock::now()));
  }
}

BENCHMARK(BM_VerifyRs256_2048);
BENCHMARK(BM_VerifyRs256_4096);
BENCHMARK(BM_RefuseAlgNone);

}  // namespace

BENCHMARK_MAIN();
