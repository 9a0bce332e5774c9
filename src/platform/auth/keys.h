// RSA keys for RS256 JWTs: the public keys a replica verifies with (a JWKS
// document, several keys at once chosen by `kid`), and the private key that
// signs access tokens. Every key is bound to RS256 and has at least 2048
// bits. A key's id is its RFC 7638 thumbprint, so the same key always has
// the same kid and the private key file needs no separate id.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace tenantry::auth {

class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Key = std::shared_ptr<EVP_PKEY>;

class KeySet {
 public:
  // Reads the RSA keys of a JWKS document ({"keys": [...]}) whose `alg`, if
  // given, is RS256 and whose `use`, if given, is "sig"; other keys are
  // skipped. Throws KeyError naming the problem: not JSON, no usable key, a
  // key without kid, a duplicate kid, bad n or e, fewer than 2048 bits.
  static KeySet parse(std::string_view jwks);

  // nullptr when there is no such key.
  EVP_PKEY* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, Key, std::less<>> keys_;
};

class SigningKey {
 public:
  // A new RSA key; bits >= 2048.
  static SigningKey generate(int bits = 2048);
  // A PEM private key (PKCS#8 or PKCS#1). Throws KeyError, never quoting
  // the key.
  static SigningKey from_pem(std::string_view pem);

  const std::string& kid() const { return kid_; }
  std::string private_pem() const;
  // This key's public half as a JWK object (kty, kid, use, alg, n, e).
  std::string public_jwk() const;
  // An RS256 signature of `data`, raw bytes.
  std::string sign(std::string_view data) const;

 private:
  explicit SigningKey(Key key);
  Key key_;
  std::string kid_;
};

// A JWKS document ({"keys": [...]}) of JWK objects as public_jwk() returns.
std::string jwks_document(const std::vector<std::string>& jwk_objects);

}  // namespace tenantry::auth
