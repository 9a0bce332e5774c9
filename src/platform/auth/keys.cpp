// RSA keys through OpenSSL 3's EVP interface; JWK and JWKS with Boost.JSON.
#include "platform/auth/keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <boost/json.hpp>
#include <vector>

#include "platform/auth/base64url.h"

namespace tenantry::auth {
namespace {

namespace json = boost::json;

constexpr int kMinBits = 2048;

Key own(EVP_PKEY* key) { return Key(key, EVP_PKEY_free); }

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

std::string bn_bytes(const BIGNUM* bn) {
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

std::string key_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw KeyError("not an RSA key");
  Bn owned(bn);
  return bn_bytes(bn);
}

// RFC 7638: SHA-256 over the required members in lexicographic order.
std::string thumbprint(std::string_view n, std::string_view e) {
  std::string canonical =
      R"({"e":")" + base64url_encode(e) + R"(","kty":"RSA","n":")" + base64url_encode(n) + R"("})";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  return base64url_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

Key public_key(std::string_view n, std::string_view e) {
  Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()),
                    nullptr));
  Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()),
                    nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(OSSL_PARAM_BLD_new(),
                                                                          OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    throw KeyError("cannot build the key");
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(builder.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw KeyError("cannot build the key");
  }
  return own(key);
}

std::string string_member(const json::object& object, std::string_view name) {
  auto* value = object.if_contains(name);
  if (!value || !value->is_string()) return {};
  return std::string(value->as_string());
}

}  // namespace

KeySet KeySet::parse(std::string_view jwks) {
  boost::system::error_code ec;
  json::value document = json::parse(jwks, ec);
  if (ec || !document.is_object()) throw KeyError("the JWKS document is not a JSON object");
  auto* keys = document.as_object().if_contains("keys");
  if (!keys || !keys->is_array()) throw KeyError("the JWKS document has no \"keys\" array");
  KeySet set;
  for (const auto& entry : keys->as_array()) {
    if (!entry.is_object()) throw KeyError("a JWKS entry is not an object");
    const auto& jwk = entry.as_object();
    auto kty = string_member(jwk, "kty"), alg = string_member(jwk, "alg"),
         use = string_member(jwk, "use");
    if (kty != "RSA" || (!alg.empty() && alg != "RS256") || (!use.empty() && use != "sig"))
      continue;  // not a key for RS256 signatures
    auto kid = string_member(jwk, "kid");
    if (kid.empty()) throw KeyError("an RSA key has no kid");
    auto n = base64url_decode(string_member(jwk, "n"));
    auto e = base64url_decode(string_member(jwk, "e"));
    if (!n || !e || n->empty() || e->empty()) throw KeyError("key " + kid + ": bad n or e");
    auto key = public_key(*n, *e);
    if (EVP_PKEY_get_bits(key.get()) < kMinBits)
      throw KeyError("key " + kid + ": fewer than 2048 bits");
    if (!set.keys_.emplace(kid, std::move(key)).second) throw KeyError("duplicate kid " + kid);
  }
  if (set.keys_.empty()) throw KeyError("the JWKS document has no RSA key for RS256");
  return set;
}

EVP_PKEY* KeySet::find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

SigningKey::SigningKey(Key key) : key_(std::move(key)) {
  if (EVP_PKEY_get_base_id(key_.get()) != EVP_PKEY_RSA) throw KeyError("not an RSA key");
  if (EVP_PKEY_get_bits(key_.get()) < kMinBits) throw KeyError("fewer than 2048 bits");
  kid_ = thumbprint(key_param(key_.get(), OSSL_PKEY_PARAM_RSA_N),
                    key_param(key_.get(), OSSL_PKEY_PARAM_RSA_E));
}

SigningKey SigningKey::generate(int bits) {
  if (bits < kMinBits) throw KeyError("fewer than 2048 bits");
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (!key) throw KeyError("key generation failed");
  return SigningKey(own(key));
}

SigningKey SigningKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key) throw KeyError("not a PEM private key");
  return SigningKey(own(key));
}

std::string SigningKey::private_pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw KeyError("cannot write the private key");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string SigningKey::public_jwk() const {
  json::object jwk;
  jwk["kty"] = "RSA";
  jwk["kid"] = kid_;
  jwk["use"] = "sig";
  jwk["alg"] = "RS256";
  jwk["n"] = base64url_encode(key_param(key_.get(), OSSL_PKEY_PARAM_RSA_N));
  jwk["e"] = base64url_encode(key_param(key_.get(), OSSL_PKEY_PARAM_RSA_E));
  return json::serialize(jwk);
}

std::string SigningKey::sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  std::size_t size = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw KeyError("signing failed");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw KeyError("signing failed");
  }
  signature.resize(size);
  return signature;
}

std::string jwks_document(const std::vector<std::string>& jwk_objects) {
  json::array keys;
  for (const auto& jwk : jwk_objects) keys.push_back(json::parse(jwk));
  return json::serialize(json::object{{"keys", std::move(keys)}});
}

}  // namespace tenantry::auth
