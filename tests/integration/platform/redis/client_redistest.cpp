// The Redis client against a real Redis: commands and replies, many callers
// pipelined on one connection, scripts loaded on NOSCRIPT, the command
// deadline against a Redis that stops answering, and the circuit breaker
// failing fast while Redis is down, then closing again once it is back.
// Each of these runs twice: in plain TCP, and over TLS (rediss://, against a
// Redis with only a TLS port and a password, so every command there follows
// a verified handshake and AUTH). Over TLS alone: a server that fails
// verification (another CA, another name) or never answers the handshake:
// an error, not a hang.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>

#include "platform/redis/client.h"
#include "support/coro.h"
#include "support/services.h"

namespace tenantry::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using redis::ErrorKind;

class RedisTestBase {
 protected:
  explicit RedisTestBase(RedisServer::Mode mode) : redis_(mode) {}
  redis::ClientConfig config() {
    redis::ClientConfig config;
    config.concern = "test";
    config.endpoint = redis::parse_url("REDIS_URL", redis_.url());
    if (config.endpoint.tls) config.endpoint.tls_ca_file = redis_.ca_file();
    config.command_timeout = 200ms;
    config.breaker = {3, 500ms};
    return config;
  }
  template <typename T>
  T run(asio::awaitable<T> op) {
    return run_coro(context_, std::move(op));
  }

  RedisServer redis_;
  asio::io_context context_;
  asio::io_context* contexts_[1] = {&context_};
  base::Logger logger_{"test", base::LogLevel::kError, std::tmpfile()};
};

class RedisClientTest : public RedisTestBase, public ::testing::TestWithParam<RedisServer::Mode> {
 protected:
  RedisClientTest() : RedisTestBase(GetParam()) {}
};

INSTANTIATE_TEST_SUITE_P(PlainAndTls, RedisClientTest,
                         ::testing::Values(RedisServer::Mode::kPlain, RedisServer::Mode::kTls),
                         [](const auto& info) {
                           return info.param == RedisServer::Mode::kTls ? "Tls" : "Plain";
                         });

TEST_P(RedisClientTest, CommandsAndReplies) {
  if (GetParam() == RedisServer::Mode::kTls) {  // a verified handshake, then AUTH
    ASSERT_TRUE(config().endpoint.tls);
    ASSERT_FALSE(config().endpoint.password.empty());
  }
  redis::Client client(config(), contexts_, logger_);
  auto set = run(client.command({"SET", "k", "v"}));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->text(), "OK");
  auto get = run(client.command({"GET", "k"}));
  ASSERT_TRUE(get);
  EXPECT_EQ(get->text(), "v");
  EXPECT_TRUE(run(client.command({"GET", "missing"}))->is_nil());
  auto bad = run(client.command({"INCR", "k"}));
  ASSERT_TRUE(bad);  // an error reply is an answer, not a failure
  EXPECT_TRUE(bad->is_error());
  EXPECT_EQ(client.breaker_state(), redis::CircuitBreaker::State::kClosed);
}

TEST_P(RedisClientTest, ManyCallersArePipelinedOnOneConnection) {
  redis::Client client(config(), contexts_, logger_);
  int done = 0;
  for (int i = 0; i < 500; ++i) {
    asio::co_spawn(
        context_,
        [&]() -> asio::awaitable<void> {
          // A named vector: GCC 12 miscompiles a braced list inside co_await.
          std::vector<std::string> incr{"INCR", "counter"};
          auto reply = co_await client.command(std::move(incr));
          EXPECT_TRUE(reply && reply->is_integer());
          ++done;
        },
        asio::detached);
  }
  context_.run();
  EXPECT_EQ(done, 500);
  EXPECT_EQ(run(client.command({"GET", "counter"}))->text(), "500");
  auto clients = run(client.command({"CLIENT", "LIST"}));
  EXPECT_EQ(std::count(clients->text().begin(), clients->text().end(), '\n'), 1)
      << "one connection carried them all:\n"
      << clients->text();
}

TEST_P(RedisClientTest, ScriptsAreLoadedWhenRedisDoesNotKnowThem) {
  redis::Client client(config(), contexts_, logger_);
  redis::Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  ASSERT_TRUE(run(client.command({"SCRIPT", "FLUSH"})));
  auto first = run(client.eval(script, {"n"}, {"5"}));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->integer(), 5);
  EXPECT_EQ(run(client.eval(script, {"n"}, {"2"}))->integer(), 7);
}

TEST_P(RedisClientTest, ARedisThatStopsAnsweringCostsOneTimeoutNotAHang) {
  redis::Client client(config(), contexts_, logger_);
  ASSERT_TRUE(run(client.command({"PING"})));
  redis_.signal(SIGSTOP);
  auto start = Clock::now();
  auto stuck = run(client.command({"PING"}));
  auto waited = Clock::now() - start;
  redis_.signal(SIGCONT);
  ASSERT_FALSE(stuck);
  EXPECT_EQ(stuck.error().kind, ErrorKind::kTimeout);
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 1s);
  auto after = run(client.command({"PING"}));  // a new connection
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->text(), "PONG");
}

TEST_P(RedisClientTest, TheBreakerFailsFastWhileRedisIsDownAndClosesWhenItIsBack) {
  redis::Client client(config(), contexts_, logger_);
  ASSERT_TRUE(run(client.command({"PING"})));
  redis_.stop();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(run(client.command({"PING"})));
  EXPECT_EQ(client.breaker_state(), redis::CircuitBreaker::State::kOpen);
  auto start = Clock::now();
  auto fast = run(client.command({"PING"}));
  EXPECT_LT(Clock::now() - start, 5ms);
  ASSERT_FALSE(fast);
  EXPECT_EQ(fast.error().kind, ErrorKind::kUnavailable);

  redis_.start();
  EXPECT_TRUE(wait_until([&] { return bool(run(client.command({"PING"}))); }, 5s));
  EXPECT_EQ(client.breaker_state(), redis::CircuitBreaker::State::kClosed);
}

class RedisTlsClientTest : public RedisTestBase, public ::testing::Test {
 protected:
  RedisTlsClientTest() : RedisTestBase(RedisServer::Mode::kTls) {}
};

TEST_F(RedisTlsClientTest, ACertificateFromAnotherCaFailsTheHandshake) {
  TempDir other;
  auto config = this->config();
  config.endpoint.tls_ca_file = make_test_ca(other.path());
  redis::Client client(config, contexts_, logger_);
  auto start = Clock::now();
  auto refused = run(client.command({"PING"}));
  EXPECT_LT(Clock::now() - start, 1s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos)
      << refused.error().message;
}

TEST_F(RedisTlsClientTest, ACertificateForAnotherHostFailsTheHandshake) {
  auto config = this->config();
  // localhost reaches the same Redis, but its certificate names 127.0.0.1.
  config.endpoint.host = "localhost";
  redis::Client client(config, contexts_, logger_);
  auto refused = run(client.command({"PING"}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(refused.error().message.find("hostname mismatch"), std::string::npos)
      << refused.error().message;
}

TEST_F(RedisTlsClientTest, AHandshakeWithoutAnswerCostsTheConnectTimeoutNotAHang) {
  auto config = this->config();
  config.connect_timeout = 100ms;
  config.command_timeout = 2s;  // so that only the connect deadline can end the wait
  redis::Client client(config, contexts_, logger_);
  // Stopped, Redis's kernel still accepts the TCP connection; the
  // handshake gets no answer.
  redis_.signal(SIGSTOP);
  auto start = Clock::now();
  auto stuck = run(client.command({"PING"}));
  auto waited = Clock::now() - start;
  redis_.signal(SIGCONT);
  ASSERT_FALSE(stuck);
  EXPECT_EQ(stuck.error().kind, ErrorKind::kUnavailable) << stuck.error().message;
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 1s);
  auto after = run(client.command({"PING"}));  // a new connection
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->text(), "PONG");
}

}  // namespace
}  // namespace tenantry::testing
