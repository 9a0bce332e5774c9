// RS256 verification against the attacks RFC 8725 lists, on hand-made
// tokens. (tests/integration/auth_attack_test.cpp sends the same through the
// real server.)
#include "platform/auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "platform/auth/base64url.h"
#include "support/services.h"
#include "support/tokens.h"

namespace tenantry::auth {
namespace {

using testing::TestKeys;
namespace json = boost::json;

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    other_dir_ = new testing::TempDir();
    keys_ = new TestKeys(dir_->path());
    other_ = new TestKeys(other_dir_->path());  // a second key, not in the set
  }
  static void TearDownTestSuite() {
    delete other_;
    delete keys_;
    delete other_dir_;
    delete dir_;
  }

  KeySet key_set() const { return KeySet::parse(jwks_document({keys_->key().public_jwk()})); }
  VerifyOptions options() const { return {testing::kTestIssuer, testing::kTestAudience}; }

  boost::system::result<Claims, TokenError> check(const std::string& token) const {
    return verify(token, key_set(), options(), std::chrono::system_clock::now());
  }
  TokenError refused(const std::string& token) const {
    auto result = check(token);
    EXPECT_FALSE(result) << token;
    return result ? TokenError::kMalformed : result.error();
  }

  // A token from raw parts: header and payload JSON text, signature bytes.
  static std::string raw(const std::string& header, const std::string& payload,
                         const std::string& signature) {
    return base64url_encode(header) + "." + base64url_encode(payload) + "." +
           base64url_encode(signature);
  }
  // `header` and the default claims, signed with the test key.
  std::string signed_with_header(const json::object& header,
                                 const json::object& claims = TestKeys::claims()) const {
    auto input =
        base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims));
    return input + "." + base64url_encode(keys_->key().sign(input));
  }
  json::object header() const {
    return {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", keys_->key().kid()}};
  }

  static testing::TempDir* dir_;
  static testing::TempDir* other_dir_;
  static TestKeys* keys_;
  static TestKeys* other_;
};
testing::TempDir* JwtTest::dir_ = nullptr;
testing::TempDir* JwtTest::other_dir_ = nullptr;
TestKeys* JwtTest::keys_ = nullptr;
TestKeys* JwtTest::other_ = nullptr;

TEST_F(JwtTest, AValidTokenGivesItsClaims) {
  auto claims = TestKeys::claims();
  claims["roles"] = {"owner", "admin"};
  auto result = check(keys_->token(claims));
  ASSERT_TRUE(result) << token_error_name(result.error());
  EXPECT_EQ(result->subject, "user-1");
  EXPECT_EQ(result->tenant.str(), testing::kTestTenant);
  EXPECT_EQ(result->roles, (std::vector<std::string>{"owner", "admin"}));
}

TEST_F(JwtTest, AudienceMayBeAnArrayAndTypMayBeAtJwt) {
  auto claims = TestKeys::claims();
  claims["aud"] = {"other", testing::kTestAudience};
  auto h = header();
  h["typ"] = "at+jwt";
  EXPECT_TRUE(check(signed_with_header(h, claims)));
}

TEST_F(JwtTest, AlgorithmNoneIsRefused) {
  auto token = raw(R"({"alg":"none","typ":"JWT"})", json::serialize(TestKeys::claims()), "");
  EXPECT_EQ(refused(token), TokenError::kAlgorithm);
  EXPECT_EQ(refused(token + "c2ln"), TokenError::kAlgorithm);  // with a signature, still none
}

TEST_F(JwtTest, Hs256SignedWithThePublicKeyIsRefused) {
  auto header = R"({"alg":"HS256","typ":"JWT","kid":")" + keys_->key().kid() + R"("})";
  auto input =
      base64url_encode(header) + "." + base64url_encode(json::serialize(TestKeys::claims()));
  auto secret = keys_->key().public_jwk();
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  auto token = input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), length));
  EXPECT_EQ(refused(token), TokenError::kAlgorithm);
}

TEST_F(JwtTest, OtherAlgorithmsAreRefused) {
  for (auto alg : {"PS256", "ES256", "RS512", "rs256", "EdDSA"}) {
    auto h = header();
    h["alg"] = alg;
    EXPECT_EQ(refused(signed_with_header(h)), TokenError::kAlgorithm) << alg;
  }
}

TEST_F(JwtTest, AWrongKeyOrAnUnknownKidIsRefused) {
  EXPECT_EQ(refused(other_->token()), TokenError::kUnknownKey);
  // The right kid on a token signed by another key.
  auto input = base64url_encode(json::serialize(header())) + "." +
               base64url_encode(json::serialize(TestKeys::claims()));
  EXPECT_EQ(refused(input + "." + base64url_encode(other_->key().sign(input))),
            TokenError::kSignature);
  auto h = header();
  h.erase("kid");
  EXPECT_EQ(refused(signed_with_header(h)), TokenError::kUnknownKey);
}

TEST_F(JwtTest, KeyLocationHeadersAndCritAreRefused) {
  for (auto name : {"jku", "x5u", "jwk", "x5c", "crit"}) {
    auto h = header();
    h[name] = std::string(name) == "jwk" ? json::parse(other_->key().public_jwk())
                                         : json::value("https://attacker.example/keys");
    EXPECT_EQ(refused(signed_with_header(h)), TokenError::kHeader) << name;
  }
  auto h = header();
  h["typ"] = "JOSE+JSON";
  EXPECT_EQ(refused(signed_with_header(h)), TokenError::kHeader);
}

TEST_F(JwtTest, TimeClaimsAreCheckedWithTheLeeway) {
  auto now = TestKeys::claims()["iat"].as_int64();
  auto with = [&](const char* name, std::int64_t value) {
    auto claims = TestKeys::claims();
    claims[name] = value;
    return keys_->token(claims);
  };
  EXPECT_EQ(refused(with("exp", now - 31)), TokenError::kExpired);
  EXPECT_TRUE(check(with("exp", now - 10)));  // within the 30 s leeway
  EXPECT_EQ(refused(with("nbf", now + 60)), TokenError::kNotYetValid);
  EXPECT_TRUE(check(with("nbf", now + 10)));
  EXPECT_EQ(refused(with("iat", now + 3600)), TokenError::kNotYetValid);
  auto claims = TestKeys::claims();
  claims.erase("exp");
  EXPECT_EQ(refused(keys_->token(claims)), TokenError::kClaims);
  claims["exp"] = "tomorrow";
  EXPECT_EQ(refused(keys_->token(claims)), TokenError::kClaims);
  // Found by tests/fuzz: a huge exp once overflowed the conversion to seconds.
  claims["exp"] = 1.9e95;
  EXPECT_EQ(refused(keys_->token(claims)), TokenError::kClaims);
  claims["exp"] = -1;
  EXPECT_EQ(refused(keys_->token(claims)), TokenError::kClaims);
}

TEST_F(JwtTest, IssuerAudienceAndTenantMustBeRight) {
  auto with = [&](const char* name, json::value value) {
    auto claims = TestKeys::claims();
    if (value.is_null())
      claims.erase(name);
    else
      claims[name] = value;
    return keys_->token(claims);
  };
  EXPECT_EQ(refused(with("iss", "someone-else")), TokenError::kIssuer);
  EXPECT_EQ(refused(with("iss", nullptr)), TokenError::kIssuer);
  EXPECT_EQ(refused(with("aud", "other-api")), TokenError::kAudience);
  EXPECT_EQ(refused(with("aud", json::array{"a", "b"})), TokenError::kAudience);
  EXPECT_EQ(refused(with("tid", nullptr)), TokenError::kClaims);
  EXPECT_EQ(refused(with("tid", "tenant-a")), TokenError::kClaims);
  EXPECT_EQ(refused(with("tid", 42)), TokenError::kClaims);
  EXPECT_EQ(refused(with("sub", nullptr)), TokenError::kClaims);
  EXPECT_EQ(refused(with("roles", "owner")), TokenError::kClaims);
  EXPECT_EQ(refused(with("roles", json::array{"owner", 1})), TokenError::kClaims);
}

TEST_F(JwtTest, TamperedTruncatedAndMalformedTokensAreRefused) {
  auto token = keys_->token();
  auto dot = token.find('.');
  auto second = token.find('.', dot + 1);
  auto claims = TestKeys::claims();
  claims["tid"] = "00000000-0000-4000-8000-00000000000b";
  auto tampered =
      token.substr(0, dot + 1) + base64url_encode(json::serialize(claims)) + token.substr(second);
  EXPECT_EQ(refused(tampered), TokenError::kSignature);
  EXPECT_FALSE(check(token.substr(0, token.size() - 5)));
  EXPECT_EQ(refused(token.substr(0, second)), TokenError::kMalformed);
  EXPECT_EQ(refused(std::string(10'000, '.')), TokenError::kMalformed);
  EXPECT_EQ(refused(token + "."), TokenError::kMalformed);
  EXPECT_EQ(refused(""), TokenError::kMalformed);
  EXPECT_EQ(refused("a.b.c"), TokenError::kMalformed);
  EXPECT_EQ(refused(token.substr(0, dot) + "=" + token.substr(dot)), TokenError::kMalformed);
  EXPECT_EQ(refused(std::string(kMaxTokenBytes + 1, 'a')), TokenError::kMalformed);
  EXPECT_EQ(refused(raw("[1,2]", "{}", "x")), TokenError::kMalformed);
  EXPECT_EQ(refused(raw(std::string(100, '[') + std::string(100, ']'), "{}", "x")),
            TokenError::kMalformed);
  auto not_json_payload =
      token.substr(0, dot + 1) + base64url_encode("not json") + token.substr(second);
  EXPECT_EQ(refused(not_json_payload), TokenError::kSignature);  // the signature covers it
}

TEST(Base64url, RoundTripsAndRefusesNonCanonicalText) {
  for (std::string bytes : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00\x01"}) {
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("Zg=="));   // padding
  EXPECT_FALSE(base64url_decode("Zm9v+"));  // the base64 alphabet, not base64url
  EXPECT_FALSE(base64url_decode("Zh"));     // non-zero trailing bits
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm 9v"));
}

TEST(KeySet, RefusesDocumentsItCannotUse) {
  auto key = SigningKey::generate();
  EXPECT_EQ(KeySet::parse(jwks_document({key.public_jwk()})).size(), 1u);
  EXPECT_NE(KeySet::parse(jwks_document({key.public_jwk()})).find(key.kid()), nullptr);
  for (std::string bad :
       {"", "[]", "{}", R"({"keys":{}})", R"({"keys":[]})", R"({"keys":[{"kty":"EC","kid":"a"}]})",
        R"({"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}]})",
        R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})"}) {
    EXPECT_THROW(KeySet::parse(bad), KeyError) << bad;
  }
  auto jwk = key.public_jwk();
  EXPECT_THROW(KeySet::parse(jwks_document({jwk, jwk})), KeyError);  // duplicate kid
  EXPECT_THROW(SigningKey::generate(1024), KeyError);
  EXPECT_THROW(SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nnope\n"), KeyError);
  EXPECT_EQ(SigningKey::from_pem(key.private_pem()).kid(), key.kid());
}

}  // namespace
}  // namespace tenantry::auth
