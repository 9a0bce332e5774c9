// redis:// URL parsing and RESP encoding.
#include "platform/redis/probe.h"

#include <gtest/gtest.h>

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
}

TEST(RedisUrl, ErrorsNameTheVariableAndNeverEchoThePassword) {
  for (const char* url :
       {"http://h:1", "redis://:topsecret@h:1/3", "rediss://:topsecret@h", "::"}) {
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

TEST(Resp, EncodesCommandsAsBulkStringArrays) {
  EXPECT_EQ(encode_command({"PING"}), "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(encode_command({"AUTH", "a b"}), "*2\r\n$4\r\nAUTH\r\n$3\r\na b\r\n");
}

}  // namespace
}  // namespace tenantry::redis
