// The server in-process on free ports: limits, request ids, forwarded
// addresses, overload, idle timeouts and the graceful drain.
#include "platform/http/server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <future>
#include <regex>
#include <thread>

#include "platform/http/problem.h"
#include "support/http_client.h"
#include "support/services.h"

namespace tenantry::http {
namespace {

using namespace std::chrono_literals;
using testing::http_request;
using testing::raw_exchange;

class ServerTest : public ::testing::Test {
 protected:
  static ServerConfig quick() {
    ServerConfig config;
    config.drain_delay = std::chrono::milliseconds(0);
    return config;
  }

  void start(ServerConfig config = quick()) {
    config.handle_signals = false;
    config.threads = 2;
    router_.add("GET", "/echo", [](Request& req) -> boost::asio::awaitable<Response> {
      boost::json::object body;
      body["request_id"] = req.request_id;
      body["trace_id"] = req.trace_id;
      body["remote"] = req.remote;
      co_return Response::json(200, boost::json::serialize(body));
    });
    router_.add("GET", "/slow", [](Request& req) -> boost::asio::awaitable<Response> {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                      std::chrono::milliseconds(std::stoi(*req.query_param("ms"))));
      co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      co_return Response::json(200, R"({"slow":true})");
    });
    router_.add("POST", "/upload", [](Request& req) -> boost::asio::awaitable<Response> {
      co_return Response::json(200, "{\"size\":" + std::to_string(req.body.size()) + "}");
    });
    router_.add("GET", "/boom", [](Request&) -> boost::asio::awaitable<Response> {
      throw std::runtime_error("handler bug");
      co_return Response{};
    });
    server_ = std::make_unique<Server>(config, router_, admin_router_, logger_, http_metrics_);
    server_->bind();
    port_ = server_->port();
    run_ = std::async(std::launch::async, [this] { return server_->run(); });
  }

  void TearDown() override {
    if (server_ && run_.valid()) {
      server_->shutdown();
      run_.wait_for(30s);
    }
  }

  std::string log() {
    logger_.flush();
    std::rewind(log_file_);
    std::string text;
    char chunk[4096];
    while (auto n = std::fread(chunk, 1, sizeof chunk, log_file_)) text.append(chunk, n);
    return text;
  }

  // The access line is written after the response, so await it.
  bool log_contains(const std::string& text) {
    return testing::wait_until([&] { return log().find(text) != std::string::npos; }, 5s);
  }

  long in_flight() { return http_metrics_.in_flight.load(); }

  struct TempFile {
    std::FILE* file = std::tmpfile();
    ~TempFile() { std::fclose(file); }
  } log_storage_;
  std::FILE* log_file_ = log_storage_.file;
  base::Logger logger_{"test", base::LogLevel::kDebug, log_file_};
  metrics::Metrics metrics_{"test"};
  HttpMetrics http_metrics_{metrics_};
  Router router_;
  Router admin_router_;
  std::unique_ptr<Server> server_;
  std::future<int> run_;
  unsigned short port_ = 0;
};

boost::json::object json(const std::string& text) { return boost::json::parse(text).as_object(); }

TEST_F(ServerTest, KeepsAValidRequestIdAndEchoesIt) {
  start();
  auto res = http_request(port_, "GET", "/echo", {{"X-Request-ID", "client-id.42:x_y"}});
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("x-request-id"), "client-id.42:x_y");
  EXPECT_EQ(json(res.body).at("request_id").as_string(), "client-id.42:x_y");
  EXPECT_TRUE(log_contains("\"request_id\":\"client-id.42:x_y\""));
}

TEST_F(ServerTest, ReplacesInvalidMissingOrDuplicateRequestIds) {
  start();
  std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::vector<std::vector<std::pair<std::string, std::string>>> cases = {
      {},
      {{"X-Request-ID", "has space"}},
      {{"X-Request-ID", std::string(129, 'a')}},
      {{"X-Request-ID", "one"}, {"X-Request-ID", "two"}},
  };
  std::set<std::string> ids;
  for (const auto& headers : cases) {
    auto res = http_request(port_, "GET", "/echo", headers);
    ASSERT_EQ(res.status, 200);
    auto id = res.header("x-request-id");
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), cases.size());
}

TEST_F(ServerTest, LogsTheIncomingTraceId) {
  start();
  auto res =
      http_request(port_, "GET", "/echo",
                   {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(json(res.body).at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(log_contains("\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\""));
}

TEST_F(ServerTest, RemoteIsTheLastForwardedHopFromATrustedProxy) {
  start();  // trusts loopback by default
  auto res = http_request(port_, "GET", "/echo", {{"X-Forwarded-For", "6.6.6.6, 10.1.2.3"}});
  EXPECT_EQ(json(res.body).at("remote").as_string(), "10.1.2.3");
  auto direct = http_request(port_, "GET", "/echo");
  EXPECT_EQ(json(direct.body).at("remote").as_string(), "127.0.0.1");
  auto junk = http_request(port_, "GET", "/echo", {{"X-Forwarded-For", "not-an-address"}});
  EXPECT_EQ(json(junk.body).at("remote").as_string(), "127.0.0.1");
}

TEST_F(ServerTest, FromAnUntrustedPeerTheForwardedHeaderIsIgnored) {
  auto config = quick();
  config.trusted_proxies = {"10.0.0.0/8"};  // the test client (127.0.0.1) is not in it
  start(config);
  auto res = http_request(port_, "GET", "/echo", {{"X-Forwarded-For", "10.1.2.3"}});
  EXPECT_EQ(json(res.body).at("remote").as_string(), "127.0.0.1");
}

TEST_F(ServerTest, ProxyListsAreAddressesOrCidrBlocks) {
  for (auto good : {"127.0.0.1", "10.0.0.0/8", "::1/128", "fd00::/8", "0.0.0.0/0"})
    EXPECT_TRUE(is_valid_cidr(good)) << good;
  for (auto bad : {"", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0/8", "host", "1.2.3.4/x"})
    EXPECT_FALSE(is_valid_cidr(bad)) << bad;
}

TEST_F(ServerTest, TheAdminListenerHasItsOwnAddress) {
  auto config = quick();
  config.admin_address = "127.0.0.2";
  admin_router_.add("GET", "/livez", [](Request&) -> boost::asio::awaitable<Response> {
    co_return Response::json(200, "{}");
  });
  start(config);
  auto admin = server_->admin_port();
  // Reached on its own address only (the test client connects to 127.0.0.1).
  EXPECT_EQ(http_request(admin, "GET", "/livez").status, 0);
  EXPECT_EQ(http_request(port_, "GET", "/echo").status, 200);
}

// Which routes' responses say no-store is the authentication middleware's
// to decide (auth/middleware_test); the server itself leaves them alone.
TEST_F(ServerTest, EveryResponseSaysNoSniff) {
  router_.add("GET", "/public", [](Request&) -> boost::asio::awaitable<Response> {
    co_return Response::json(200, "{}");
  });
  start();
  for (auto target : {"/echo", "/public", "/nowhere"}) {
    auto res = http_request(port_, "GET", target);
    EXPECT_EQ(res.header("x-content-type-options"), "nosniff") << target;
  }
  EXPECT_EQ(http_request(port_, "GET", "/public").header("cache-control"), "");
}

TEST_F(ServerTest, TextInputThatIsNotCleanIsRefusedBeforeAnyHandlerRuns) {
  int handled = 0;
  router_.add("POST", "/items/{id}", [&handled](Request&) -> boost::asio::awaitable<Response> {
    ++handled;
    co_return Response::json(200, "{}");
  });
  router_.add("POST", "/oauth", [&handled](Request&) -> boost::asio::awaitable<Response> {
    ++handled;
    co_return Response::json(200, "{}");
  }, {.refuse_input = [](const Request&, const InvalidInput&) {
        return Response::json(400, R"({"error":"invalid_request"})");
      }});
  start();
  const std::pair<std::string, std::string> form{"Content-Type",
                                                 "application/x-www-form-urlencoded"};
  const std::pair<std::string, std::string> json_type{"Content-Type", "application/json"};
  struct Case {
    std::string target;
    std::pair<std::string, std::string> type;
    std::string body;
    std::string field;
  };
  std::vector<Case> cases = {
      {"/items/a%00b", form, "", "id"},
      {"/items/a%0Ab", form, "", "id"},
      {"/items/1?q=%FF", form, "", "q"},
      {"/items/1", form, "username=owner%40acme.example%00x", "username"},
      {"/items/1", form, "tenant=acme%00&x=1", "tenant"},
      {"/items/1", form, "a=1&a=2", "a"},
      {"/items/1", form, "us%00er=1", "(a field name)"},
      {"/items/1", json_type, R"({"email":"owner@acme.example\u0000x"})", "email"},
      {"/items/1", json_type, R"({"a":{"b":["ok","\u0000"]}})", "a.b[1]"},
      {"/items/1", json_type, "{\"a\":\"\xFF\"}", "body"},
      {"/items/1", {"Content-Type", "text/plain"}, std::string("a\0b", 3), "body"},
  };
  for (const auto& c : cases) {
    auto res = http_request(port_, "POST", c.target, {c.type}, c.body);
    EXPECT_EQ(res.status, 400) << c.target << " " << c.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json") << c.body;
    auto detail = std::string(json(res.body).at("detail").as_string());
    EXPECT_TRUE(detail.starts_with(c.field + ": ")) << detail;
  }
  EXPECT_EQ(handled, 0);
  // The route may be one that a credential unlocks (which only its
  // middleware knows), so no cache on the way keeps the refusal.
  EXPECT_EQ(http_request(port_, "POST", "/items/a%00b").header("cache-control"), "no-store");
  auto oauth = http_request(port_, "POST", "/oauth", {form}, "username=a%00");
  EXPECT_EQ(oauth.status, 400);
  EXPECT_EQ(oauth.body, R"({"error":"invalid_request"})");
  EXPECT_EQ(handled, 0);
  // Clean text in every place passes, escaped or not.
  EXPECT_EQ(http_request(port_, "POST", "/items/%C3%A9?q=caf%C3%A9", {form},
                         "note=line%0Anext&name=Z%C3%BCrich").status,
            200);
  EXPECT_EQ(http_request(port_, "POST", "/items/1", {json_type},
                         R"({"title":"tab\there","text":"\\u0000 is text here"})")
                .status,
            200);
  EXPECT_EQ(handled, 2);
}

TEST_F(ServerTest, ASecondServerOnTheSamePortFailsToStart) {
  start();
  ServerConfig config = quick();
  config.port = port_;
  Server second(config, router_, admin_router_, logger_, http_metrics_);
  try {
    second.bind();
    FAIL() << "a second server bound the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(port_)),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ServerTest, OversizedHeaderIs431ProblemJson) {
  ServerConfig config = quick();
  config.limits.max_header_bytes = 1024;
  start(config);
  auto reply = raw_exchange(
      port_, "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply;
  EXPECT_NE(reply.find("application/problem+json"), std::string::npos);
  EXPECT_NE(reply.find("header-too-large"), std::string::npos);
  // The server is still serving.
  EXPECT_EQ(http_request(port_, "GET", "/echo").status, 200);
}

TEST_F(ServerTest, OversizedBodyIs413AndSmallBodyPasses) {
  ServerConfig config = quick();
  config.limits.max_body_bytes = 1024;
  start(config);
  auto reply =
      raw_exchange(port_, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                              std::string(5000, 'b'));
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find("body-too-large"), std::string::npos);
  auto ok = http_request(port_, "POST", "/upload", {}, std::string(1000, 'c'));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json(ok.body).at("size").as_int64(), 1000);
}

TEST_F(ServerTest, ARouteDeclaresItsBodyLimitAndItIsCheckedBeforeTheBodyIsRead) {
  router_.add("POST", "/small",
              [](Request& req) -> boost::asio::awaitable<Response> {
                co_return Response::json(200, "{\"size\":" + std::to_string(req.body.size()) + "}");
              },
              {.max_body_bytes = 100});
  start();  // the server's default stays 64 KiB
  EXPECT_EQ(http_request(port_, "POST", "/small", {}, std::string(100, 'a')).status, 200);
  auto refused = http_request(port_, "POST", "/small", {}, std::string(101, 'a'));
  EXPECT_EQ(refused.status, 413);
  EXPECT_NE(refused.body.find("exceeds 100 bytes"), std::string::npos) << refused.body;
  EXPECT_EQ(http_request(port_, "POST", "/upload", {}, std::string(5000, 'b')).status, 200);

  // Refused on the header alone: no 100 Continue invites a body it would not read.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
  std::string head =
      "POST /small HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Content-Length: 1000000\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(head));
  std::string reply;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(reply), ec);  // until close
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;

  // A chunked body is counted as it arrives.
  auto chunked = raw_exchange(port_,
                              "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "3c\r\n" + std::string(60, 'c') + "\r\n3c\r\n" + std::string(60, 'c') +
                              "\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 413", 0), 0u) << chunked;
  EXPECT_NE(metrics_.expose().find("tenantry_http_rejected_total{reason=\"body_too_large\"} 3"),
            std::string::npos)
      << metrics_.expose();
}

TEST_F(ServerTest, BeyondItsConnectionLimitAReplicaClosesNewConnectionsAtOnce) {
  ServerConfig config = quick();
  config.limits.max_connections = 2;
  start(config);
  boost::asio::io_context ioc;
  using boost::asio::ip::tcp;
  auto open_and_ask = [&](tcp::socket& socket) {
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    std::string request = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string reply;
    boost::system::error_code ec;
    boost::asio::write(socket, boost::asio::buffer(request), ec);  // may meet the close
    boost::asio::read_until(socket, boost::asio::dynamic_buffer(reply), "}", ec);
    return reply;
  };
  tcp::socket first(ioc), second(ioc), third(ioc);
  EXPECT_EQ(open_and_ask(first).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(open_and_ask(second).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(open_and_ask(third), "");  // closed without an answer
  EXPECT_NE(
      metrics_.expose().find("tenantry_http_rejected_total{reason=\"connection_limit\"} 1"),
      std::string::npos);
  first.close();  // a place frees up
  EXPECT_TRUE(testing::wait_until([&] { return http_request(port_, "GET", "/echo").status == 200; },
                                  5s));
}

TEST_F(ServerTest, AnAbsoluteFormTargetIsRoutedByItsPath) {
  start();
  auto reply = raw_exchange(port_,
                            "GET https://api.example.test/echo?x=1 HTTP/1.1\r\nHost: "
                            "api.example.test\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  auto other = raw_exchange(
      port_, "GET ftp://api.example.test/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(other.rfind("HTTP/1.1 404", 0), 0u) << other;
}

TEST_F(ServerTest, AChunkedBodyCutAfterItsLastChunkLineWaitsForTheRest) {
  start();
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
  std::string first =
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n3\r\nabc\r\n0\r\n";
  socket.set_option(boost::asio::ip::tcp::no_delay(true));  // two segments, as far as we can
  boost::asio::write(socket, boost::asio::buffer(first));
  boost::asio::write(socket, boost::asio::buffer(std::string("\r\n")));
  std::string reply;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(reply), ec);  // until close
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("{\"size\":3}"), std::string::npos) << reply;
}

TEST_F(ServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  start();
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
  std::string head =
      "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Content-Length: 3\r\nConnection: close\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(head));
  std::string interim;
  boost::asio::read_until(socket, boost::asio::dynamic_buffer(interim), "\r\n\r\n");
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
  boost::asio::write(socket, boost::asio::buffer(std::string("abc")));
  std::string rest;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(rest), ec);  // until close
  auto all = interim + rest;
  EXPECT_NE(all.find("HTTP/1.1 200"), std::string::npos) << all;
  EXPECT_NE(all.find("{\"size\":3}"), std::string::npos) << all;
}

TEST_F(ServerTest, ExpectContinueWithTheBodyAlreadySentNeedsNoInterimResponse) {
  start();
  auto reply = raw_exchange(port_,
                            "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                            "Content-Length: 3\r\nConnection: close\r\n\r\nabc");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
}

TEST_F(ServerTest, MalformedRequestIs400) {
  start();
  auto reply = raw_exchange(port_, "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("application/problem+json"), std::string::npos);
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  start();
  auto res = http_request(port_, "GET", "/boom");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
  EXPECT_EQ(json(res.body).at("request_id").as_string(), res.header("x-request-id"));
  EXPECT_EQ(res.body.find("handler bug"), std::string::npos);  // no internals leak to clients
  EXPECT_TRUE(log_contains("handler bug"));                    // but operators see them
  EXPECT_EQ(http_request(port_, "GET", "/echo").status, 200);
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowedAreProblems) {
  start();
  auto missing = http_request(port_, "GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("content-type"), "application/problem+json");
  auto wrong = http_request(port_, "DELETE", "/echo");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "GET");
}

TEST_F(ServerTest, HeadHasNoBody) {
  start();
  auto reply = raw_exchange(port_, "HEAD /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_EQ(reply.substr(reply.find("\r\n\r\n") + 4), "");
}

TEST_F(ServerTest, OverloadIs503WithRetryAfter) {
  ServerConfig config = quick();
  config.limits.max_in_flight = 1;
  start(config);
  auto slow = std::async(std::launch::async,
                         [this] { return http_request(port_, "GET", "/slow?ms=1500"); });
  ASSERT_TRUE(testing::wait_until([this] { return in_flight() == 1; }, 5s));
  auto refused = http_request(port_, "GET", "/echo");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(json(refused.body).at("type").as_string(), "https://tenantry.dev/problems/overloaded");
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_NE(metrics_.expose().find("tenantry_http_rejected_total{reason=\"overload\"} 1"),
            std::string::npos);
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterIdleTimeout) {
  ServerConfig config = quick();
  config.limits.idle_timeout = 200ms;
  start(config);
  auto started = std::chrono::steady_clock::now();
  auto reply = raw_exchange(port_, "", 10s);  // connect, send nothing
  EXPECT_EQ(reply, "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(ServerTest, StalledRequestIsCutAfterTheReadTimeout) {
  ServerConfig config = quick();
  config.limits.read_timeout = 200ms;
  config.limits.idle_timeout = 60s;
  start(config);
  auto started = std::chrono::steady_clock::now();
  auto reply = raw_exchange(port_, "GET /echo HTTP/1.1\r\nHost: x\r\n", 20s);  // never ends
  EXPECT_EQ(reply, "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(testing::wait_until(
      [this] {
        return metrics_.expose().find("tenantry_http_rejected_total{reason=\"timeout\"} 1") !=
               std::string::npos;
      },
      5s));
}

TEST_F(ServerTest, SlowHandlerIsNotCutByTheReadTimeout) {
  ServerConfig config = quick();
  config.limits.read_timeout = 200ms;
  start(config);
  EXPECT_EQ(http_request(port_, "GET", "/slow?ms=700").status, 200);
}

TEST_F(ServerTest, DrainFinishesInFlightRequestsAndClosesTheirConnections) {
  ServerConfig config = quick();
  config.drain_delay = 100ms;
  start(config);
  auto slow = std::async(std::launch::async,
                         [this] { return http_request(port_, "GET", "/slow?ms=1000"); });
  ASSERT_TRUE(testing::wait_until([this] { return in_flight() == 1; }, 5s));
  server_->shutdown();
  EXPECT_TRUE(server_->draining());
  auto res = slow.get();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("connection"), "close");
  ASSERT_EQ(run_.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(run_.get(), 0);
  EXPECT_EQ(http_request(port_, "GET", "/echo", {}, {}, 1s).status, 0);  // no longer accepting
}

TEST_F(ServerTest, DrainClosesIdleKeepAliveConnections) {
  ServerConfig config = quick();
  config.drain_delay = 50ms;
  config.limits.idle_timeout = 60s;
  start(config);
  // A keep-alive request, then the connection stays idle (idle timeout 60 s)
  // until the drain closes it.
  auto started = std::chrono::steady_clock::now();
  auto closer = std::async(std::launch::async, [&] {
    return raw_exchange(port_, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", 20s);
  });
  ASSERT_TRUE(testing::wait_until(
      [this] { return http_metrics_.connections.Value() >= 1 && in_flight() == 0; }, 5s));
  server_->shutdown();
  auto closed = closer.get();
  EXPECT_EQ(closed.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(run_.wait_for(10s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(run_.get(), 0);
}

TEST_F(ServerTest, ShutdownDeadlineCutsStragglersAndReportsIt) {
  ServerConfig config = quick();
  config.drain_delay = 0ms;
  config.shutdown_timeout = 200ms;
  start(config);
  auto slow = std::async(std::launch::async, [this] {
    return http_request(port_, "GET", "/slow?ms=10000", {}, {}, 15s);
  });
  ASSERT_TRUE(testing::wait_until([this] { return in_flight() == 1; }, 5s));
  server_->shutdown();
  ASSERT_EQ(run_.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(run_.get(), 1);
  EXPECT_NE(log().find("shutdown deadline reached"), std::string::npos);
  server_.reset();  // closes the straggler's socket
  EXPECT_EQ(slow.get().status, 0);
}

}  // namespace
}  // namespace tenantry::http
