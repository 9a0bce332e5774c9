// redis:// and rediss:// URL parsing, and the TLS context.
#include "platform/redis/endpoint.h"

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>

#include "platform/base/config.h"

namespace tenantry::redis {
namespace {

TEST(RedisUrl, ParsesHostPortAndCredentials) {
  auto plain = parse_url("REDIS_URL", "redis://127.0.0.1:6380");
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, 6380);
  EXPECT_TRUE(plain.password.empty());

  auto defaults = parse_url("REDIS_URL", "redis://cache");
  EXPECT_EQ(defaults.port, 6379);

  auto auth = parse_url("REDIS_URL", "redis://app:s3cret@10.0.0.1/0");
  EXPECT_EQ(auth.username, "app");
  EXPECT_EQ(auth.password, "s3cret");

  auto password_only = parse_url("REDIS_URL", "redis://:pw@h:1");
  EXPECT_EQ(password_only.username, "");
  EXPECT_EQ(password_only.password, "pw");
  EXPECT_FALSE(password_only.tls);
}

TEST(RedisUrl, RedissMeansTls) {
  auto tls = parse_url("REDIS_URL", "rediss://app:s3cret@cache.internal:6380/0");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.host, "cache.internal");  // the name the certificate must carry
  EXPECT_EQ(tls.port, 6380);
  EXPECT_EQ(tls.username, "app");
  EXPECT_EQ(tls.password, "s3cret");
  EXPECT_TRUE(tls.tls_ca_file.empty());  // the system's CAs unless configured

  auto defaults = parse_url("REDIS_URL", "rediss://cache");
  EXPECT_TRUE(defaults.tls);
  EXPECT_EQ(defaults.port, 6379);
  EXPECT_TRUE(defaults.password.empty());
}

TEST(RedisTls, TheContextVerifiesThePeer) {
  Endpoint endpoint = parse_url("REDIS_URL", "rediss://cache");
  auto context = make_tls_context(endpoint);
  ASSERT_TRUE(context);
  EXPECT_EQ(SSL_CTX_get_verify_mode(context->native_handle()), SSL_VERIFY_PEER);
}

TEST(RedisTls, AnUnreadableCaFileIsAConfigErrorNamingIt) {
  Endpoint endpoint = parse_url("REDIS_URL", "rediss://cache");
  endpoint.tls_ca_file = "/nonexistent/redis-ca.pem";
  try {
    make_tls_context(endpoint);
    ADD_FAILURE() << "loaded a CA file that does not exist";
  } catch (const base::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/redis-ca.pem"), std::string::npos)
        << e.what();
  }
}

TEST(RedisUrl, ErrorsNameTheVariableAndNeverEchoThePassword) {
  for (const char* url : {"http://h:1", "redis://:topsecret@h:1/3", "rediss://:topsecret@h:1/3",
                          "redisss://:topsecret@h", "rediss://:topsecret@:1", "::"}) {
    try {
      parse_url("REDIS_CACHE_URL", url);
      ADD_FAILURE() << "accepted " << url;
    } catch (const base::ConfigError& e) {
      std::string message = e.what();
      EXPECT_EQ(message.rfind("REDIS_CACHE_URL: ", 0), 0u) << message;
      EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace tenantry::redis
