// The attack suite of RFC 8725 through the real server: every forged,
// stale, misdirected or malformed token gets 401 problem+json with
// WWW-Authenticate, oversized headers 431, and the replica keeps serving.
// No database is needed: the route under attack never reaches it.
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <boost/json.hpp>
#include <filesystem>

#include "platform/auth/base64url.h"
#include "platform/auth/jwt.h"
#include "support/api_process.h"
#include "support/http_client.h"

namespace tenantry::testing {
namespace {

namespace json = boost::json;
using auth::base64url_encode;

class AuthAttackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    api_ = new ApiProcess("postgresql://tenantry_app@127.0.0.1:1/tenantry", "redis://127.0.0.1:1");
    other_dir_ = new TempDir();
    other_ = new TestKeys(other_dir_->path());
  }
  static void TearDownTestSuite() {
    delete other_;
    delete other_dir_;
    delete api_;
  }

  static HttpResult get(const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& target = "/v1/me") {
    return http_request(api_->port(), "GET", target, headers);
  }
  static HttpResult with_token(const std::string& token, const std::string& scheme = "Bearer") {
    return get({{"Authorization", scheme + " " + token}});
  }
  const auth::SigningKey& key() const { return api_->keys().key(); }
  std::string token(const json::object& claims = TestKeys::claims()) const {
    return api_->keys().token(claims);
  }
  std::string signed_with_header(json::object header) const {
    auto input = base64url_encode(json::serialize(header)) + "." +
                 base64url_encode(json::serialize(TestKeys::claims()));
    return input + "." + base64url_encode(key().sign(input));
  }
  json::object header() const { return {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", key().kid()}}; }
  std::string with_claim(const char* name, json::value value) const {
    auto claims = TestKeys::claims();
    if (value.is_null())
      claims.erase(name);
    else
      claims[name] = value;
    return token(claims);
  }

  static void expect_refused(const HttpResult& res, const std::string& what) {
    EXPECT_EQ(res.status, 401) << what << "\n" << res.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json") << what;
    EXPECT_EQ(res.header("www-authenticate").rfind("Bearer realm=\"tenantry\"", 0), 0u) << what;
    EXPECT_EQ(res.body.find("eyJ"), std::string::npos) << what << ": the body quotes the token";
  }

  static ApiProcess* api_;
  static TempDir* other_dir_;
  static TestKeys* other_;
};
ApiProcess* AuthAttackTest::api_ = nullptr;
TempDir* AuthAttackTest::other_dir_ = nullptr;
TestKeys* AuthAttackTest::other_ = nullptr;

TEST_F(AuthAttackTest, AValidTokenIsAccepted) {
  auto res = with_token(token());
  ASSERT_EQ(res.status, 200) << res.body;
  auto body = json::parse(res.body).as_object();
  EXPECT_EQ(body.at("tenant_id").as_string(), kTestTenant);
  EXPECT_EQ(body.at("subject").as_string(), "user-1");
  // RFC 7235: the scheme name is case-insensitive.
  EXPECT_EQ(with_token(token(), "bearer").status, 200);
  EXPECT_EQ(with_token(token(), "BEARER").status, 200);
}

TEST_F(AuthAttackTest, ForgedTokensAreRefused) {
  auto claims = json::serialize(TestKeys::claims());
  expect_refused(with_token(base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                            base64url_encode(claims) + "."),
                 "alg none");
  {
    auto input = base64url_encode(R"({"alg":"HS256","typ":"JWT","kid":")" + key().kid() + R"("})") +
                 "." + base64url_encode(claims);
    auto secret = key().public_jwk();
    unsigned char mac[32];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
    expect_refused(with_token(input + "." +
                              base64url_encode(std::string(reinterpret_cast<char*>(mac), length))),
                   "HS256 with the public key as secret");
  }
  expect_refused(with_token(other_->token()), "signed by a key not in the JWKS");
  {
    auto input = base64url_encode(json::serialize(header())) + "." + base64url_encode(claims);
    expect_refused(with_token(input + "." + base64url_encode(other_->key().sign(input))),
                   "the right kid, another key's signature");
  }
  auto h = header();
  h["kid"] = "no-such-key";
  expect_refused(with_token(signed_with_header(h)), "unknown kid");
  h = header();
  h["jku"] = "https://attacker.example/jwks.json";
  expect_refused(with_token(signed_with_header(h)), "jku");
  h = header();
  h["jwk"] = json::parse(other_->key().public_jwk());
  expect_refused(with_token(signed_with_header(h)), "embedded jwk");
  h = header();
  h["crit"] = json::array{"exp"};
  expect_refused(with_token(signed_with_header(h)), "crit");
}

TEST_F(AuthAttackTest, StaleOrMisdirectedTokensAreRefused) {
  auto now = TestKeys::claims()["iat"].as_int64();
  expect_refused(with_token(with_claim("exp", now - 3600)), "expired");
  expect_refused(with_token(with_claim("nbf", now + 3600)), "nbf in the future");
  expect_refused(with_token(with_claim("iss", "https://evil.example")), "wrong iss");
  expect_refused(with_token(with_claim("aud", "another-api")), "wrong aud");
  expect_refused(with_token(with_claim("tid", nullptr)), "no tid");
  expect_refused(with_token(with_claim("tid", "acme")), "tid not a UUID");
}

TEST_F(AuthAttackTest, MalformedTokensAreRefused) {
  auto good = token();
  auto dot = good.find('.');
  auto second = good.find('.', dot + 1);
  auto claims = TestKeys::claims();
  claims["tid"] = "00000000-0000-4000-8000-00000000000b";
  expect_refused(with_token(good.substr(0, dot + 1) + base64url_encode(json::serialize(claims)) +
                            good.substr(second)),
                 "tampered payload, original signature");
  expect_refused(with_token(good.substr(0, good.size() / 2)), "truncated");
  expect_refused(with_token(std::string(10'000, '.')), "10,000 dots");
  expect_refused(get({{"Authorization", "Bearer "}}), "empty bearer");
  expect_refused(get({{"Authorization", "Bearer"}}), "scheme only");
  expect_refused(get({{"Authorization", "Basic dXNlcjpwYXNz"}}), "Basic");
  expect_refused(with_token(good, "Token"), "another scheme");
  expect_refused(get({{"Authorization", "Bearer " + good}, {"Authorization", "Bearer " + good}}),
                 "two Authorization headers");
  expect_refused(get({}), "no Authorization header");
  EXPECT_EQ(get({}).header("www-authenticate"), R"(Bearer realm="tenantry")");
  expect_refused(get({{"Authorization", "Bearer " + std::string(12 * 1024, 'a')}}),
                 "a 12 KiB token");
}

TEST_F(AuthAttackTest, AHugeHeaderIs431AndTheServerKeepsServing) {
  auto answer =
      raw_exchange(api_->port(), "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                     std::string(100 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 431 ", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("application/problem+json"), std::string::npos);
  EXPECT_EQ(with_token(token()).status, 200);
  EXPECT_EQ(http_request(api_->port(), "GET", "/livez").status, 200);
}

TEST_F(AuthAttackTest, AnonymousRoutesNeedNoToken) {
  EXPECT_EQ(get({}, "/v1/test/noop").status, 200);
  expect_refused(get({}, "/v1/test/noop-authenticated"), "noop-authenticated without a token");
  EXPECT_EQ(get({{"Authorization", "Bearer " + token()}}, "/v1/test/noop-authenticated").status,
            200);
}

// Rotation without waiting for the check interval: a new JWKS file and
// SIGHUP, with the periodic check set to a minute.
TEST(AuthKeyReload, SighupReReadsTheJwksFile) {
  ApiProcess api("postgresql://tenantry_app@127.0.0.1:1/tenantry", "redis://127.0.0.1:1",
                 {{"TENANTRY_JWKS_CHECK_MS", "60000"}});
  TempDir dir;
  TestKeys next(dir.path());
  auto me = [&](const std::string& token) {
    return http_request(api.port(), "GET", "/v1/me", {{"Authorization", "Bearer " + token}}).status;
  };
  ASSERT_EQ(me(api.keys().token()), 200);
  EXPECT_EQ(me(next.token()), 401);
  std::filesystem::copy_file(next.jwks_path(), api.keys().jwks_path(),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(me(next.token()), 401);  // not before the signal: the check is a minute away
  api.process().signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return me(next.token()) == 200; }, std::chrono::seconds(5)));
  EXPECT_EQ(me(api.keys().token()), 401);  // the old key is gone from the file
  EXPECT_TRUE(api.process().running());
}

}  // namespace
}  // namespace tenantry::testing
