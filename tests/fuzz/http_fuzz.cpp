// libFuzzer target for the HTTP request path: arbitrary bytes arrive as what
// a client sent on one connection, and go through what a replica does with
// them before any database work: Beast's request parser with the server's
// limits, the http::Request built from it, the central input check
// (find_invalid_input), routing over the real route patterns, the real
// authentication middleware, and stub handlers that decode what the real
// handlers decode (form, query and JSON fields, path ids, identifiers).
//
// Reading the request is the server's own code (platform/http/
// request_reader.h: the header, the route's body limit, the body, the
// http::Request); what Server::Impl::serve/respond do around it needs a
// socket and is followed here step for step, in the same order. Left out:
// the socket reads and timeouts (the whole input is one read, followed by
// the end of the stream), `Expect: 100-continue` (a write), X-Forwarded-For
// (the peer here is never a trusted proxy, so `remote` is the peer), the
// in-flight limit, metrics, access logs and the response's serialization.
//
// Beyond "no crash, no sanitizer report, no leak", it checks the contracts
// the handlers rely on, and traps when one breaks:
//   - no response is a 5xx (a handler or middleware that throws on client
//     input would be a 500);
//   - a request the input check let through carries only clean text in
//     every field a handler reads (valid UTF-8, no NUL; identifiers and
//     path parameters without control characters);
//   - every problem response is JSON whose "status" is the HTTP status.
//
// Access tokens: "@owner@", "@member@" and "@expired@" in the input are
// replaced by tokens signed with the harness's key (valid for an owner or a
// member, or expired), so the fuzzer reaches what lies behind the
// authentication middleware. "@len@" is replaced by the number of bytes
// after the blank line that follows it, so that a mutated body keeps a
// matching Content-Length (else nearly every body mutation would only test
// framing). Run by tests/fuzz/run-http-fuzz, with the seeds of
// tests/fuzz/corpus/http and the dictionary tests/fuzz/http.dict.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "api/json_body.h"
#include "platform/auth/issuer.h"
#include "platform/auth/jwt.h"
#include "platform/auth/key_store.h"
#include "platform/auth/middleware.h"
#include "platform/base/log.h"
#include "platform/base/text.h"
#include "platform/http/problem.h"
#include "platform/http/request_reader.h"
#include "platform/http/router.h"
#include "platform/http/server.h"
#include "platform/tenancy/identifiers.h"
#include "platform/tenancy/tenant_id.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using namespace tenantry;
using asio::awaitable;

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "http_fuzz: broken contract: %s\n", what);
  __builtin_trap();
}

// What a handler reads must be what the input check passed.
void require_text(const std::optional<std::string>& value, const char* what) {
  if (value) require(!base::text_problem(*value, base::TextKind::kText), what);
}

// The decoding each real handler does before its first query.
awaitable<http::Response> token_stub(http::Request& request) {
  static constexpr const char* kFields[] = {"grant_type",    "tenant",    "username",
                                            "password",      "client_id", "client_secret",
                                            "refresh_token", "token"};
  for (const char* name : kFields) {
    auto value = request.form_param(name);
    require_text(value, "a form field passed the input check unclean");
    if (!value) continue;
    (void)tenancy::canonical_slug(*value);
    (void)tenancy::canonical_email(*value);
    (void)tenancy::TenantId::parse(*value);
    (void)auth::refresh_token_tenant(*value);
  }
  co_return http::Response::json(200, "{}");
}

awaitable<http::Response> json_stub(http::Request& request) {
  if (auto id = request.param("id")) {
    require(!base::text_problem(*id, base::TextKind::kIdentifier),
            "a path parameter passed the input check unclean");
    (void)tenancy::TenantId::parse(*id);
  }
  auto body = api::json_object_body(request);
  if (!body) co_return api::invalid_body(request, "the body must be a JSON object");
  static constexpr const char* kFields[] = {"email", "password", "role",  "status",       "name",
                                            "slug",  "plan",     "owner_email", "owner_password"};
  for (const char* name : kFields) {
    auto value = api::string_field(*body, name);
    require_text(value, "a JSON string passed the input check unclean");
    if (!value) continue;
    (void)api::name_problem(*value);
    (void)tenancy::canonical_email(*value);
    (void)tenancy::canonical_slug(*value);
  }
  co_return http::Response::json(200, "{}");
}

awaitable<http::Response> get_stub(http::Request& request) {
  if (auto id = request.param("id")) {
    require(!base::text_problem(*id, base::TextKind::kIdentifier),
            "a path parameter passed the input check unclean");
    (void)tenancy::TenantId::parse(*id);
  }
  require_text(request.query_param("ms"), "a query parameter passed the input check unclean");
  co_return http::Response::json(200, "{}");
}

struct Harness {
  std::FILE* log_sink = std::fopen("/dev/null", "w");
  base::Logger logger{"fuzz", base::LogLevel::kError, log_sink};
  auth::SigningKey key = auth::SigningKey::generate();
  std::filesystem::path jwks_path;
  std::unique_ptr<auth::KeyStore> keys;
  http::Router router;
  asio::io_context ioc{1};
  std::string owner_token, member_token, expired_token;

  Harness() {
    jwks_path = std::filesystem::temp_directory_path() /
                ("tenantry-http-fuzz-" + std::to_string(::getpid()) + ".jwks");
    std::ofstream(jwks_path) << auth::jwks_document({key.public_jwk()});
    keys = std::make_unique<auth::KeyStore>(jwks_path, std::chrono::hours(1), logger);
    std::filesystem::remove(jwks_path);  // read once; the store keeps the keys

    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto claims = [&](const char* role, long long exp) {
      return std::string(R"({"iss":"tenantry","aud":"tenantry-api","sub":"fuzz-user",)") +
             R"("tid":"00000000-0000-4000-8000-00000000000a","roles":[")" + role +
             R"("],"iat":)" + std::to_string(now - 60) + R"(,"exp":)" + std::to_string(exp) + "}";
    };
    owner_token = auth::sign(key, claims("owner", now + 365LL * 24 * 3600));
    member_token = auth::sign(key, claims("member", now + 365LL * 24 * 3600));
    expired_token = auth::sign(key, claims("owner", now - 3600));

    // As in src/cmd/tenantry-api/main.cpp, the bearer-token middleware; the
    // rate limits and the tenant context before and after it need Redis and
    // PostgreSQL and are not here.
    router.use(auth::authentication(*keys, auth::VerifyOptions{"tenantry", "tenantry-api"}, logger));
    // The real route table (src/api/*.cpp add_*_routes), with stubs.
    const std::vector<std::string> managers = {"owner", "admin"};
    const std::vector<std::string> operators = {"platform-admin"};
    // Without ratelimit::ClientIpLimit: no middleware here would read it.
    http::RouteOptions sign_in{.refuse_input =
                                   [](const http::Request&, const http::InvalidInput&) {
                                     return http::Response::json(400,
                                                                 R"({"error":"invalid_request"})");
                                   },
                               .middleware = {auth::RouteAuth{.anonymous = true}}};
    const http::RouteOptions anonymous{.middleware = {auth::RouteAuth{.anonymous = true}}};
    const http::RouteOptions health{.access_log = false, .middleware = anonymous.middleware};
    const http::RouteOptions for_managers{.middleware = {auth::RouteAuth{.roles = managers}}};
    const http::RouteOptions for_operators{.middleware = {auth::RouteAuth{.roles = operators}}};
    router.add("GET", "/livez", get_stub, health);
    router.add("GET", "/readyz", get_stub, health);
    router.add("GET", "/v1/ping", get_stub, anonymous);
    router.add("POST", "/v1/auth/token", token_stub, sign_in);
    router.add("POST", "/v1/auth/revoke", token_stub, sign_in);
    router.add("GET", "/v1/users", get_stub, for_managers);
    router.add("POST", "/v1/users", json_stub, for_managers);
    router.add("GET", "/v1/users/{id}", get_stub, for_managers);
    router.add("PATCH", "/v1/users/{id}", json_stub, for_managers);
    router.add("DELETE", "/v1/users/{id}", get_stub, for_managers);
    router.add("POST", "/v1/tenants", json_stub, for_operators);
    router.add("PATCH", "/v1/tenants/{id}", json_stub, for_operators);
    router.add("POST", "/v1/service-accounts", json_stub, for_managers);
    router.add("GET", "/v1/service-accounts", get_stub, for_managers);
    router.add("DELETE", "/v1/service-accounts/{id}", get_stub, for_managers);
    router.add("GET", "/v1/me", get_stub);
    router.add("GET", "/v1/test/noop", get_stub, anonymous);
    router.add("GET", "/v1/test/noop-authenticated", get_stub);
    router.add("GET", "/v1/test/sleep", get_stub);
    router.add("GET", "/v1/test/db-sleep", get_stub);
  }
  ~Harness() { std::fclose(log_sink); }
};

Harness& harness() {
  static Harness instance;
  return instance;
}

void check_response(const http::Response& response) {
  require(response.status >= 200 && response.status < 500, "a request got a status outside 2xx-4xx");
  if (response.content_type != "application/problem+json") return;
  boost::system::error_code ec;
  auto body = json::parse(response.body, ec);
  require(!ec && body.is_object(), "a problem body is not a JSON object");
  auto* status = body.as_object().if_contains("status");
  require(status && status->is_int64() && status->as_int64() == response.status,
          "a problem body's status is not the response's");
}

// server.cpp reject(): what a request that could not be read is answered.
void check_rejection(boost::system::error_code ec) {
  if (ec == bhttp::error::header_limit || ec == bhttp::error::body_limit) return;  // 431, 413
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return;  // closed
  // Any other parser error is a 400; anything else would close silently.
  require(ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category(),
          "the parser failed with an error that is not Beast's");
}

// server.cpp respond(), up to the response.
awaitable<void> respond(Harness& h, http::BeastRequest& req, http::RouteMatch match) {
  http::Request request;
  http::fill_request(request, req);
  request.remote = "127.0.0.1";

  http::Response response;
  switch (match.kind) {
    case http::RouteMatch::Kind::kFound:
      request.params = std::move(match.params);
      try {
        if (auto bad = http::find_invalid_input(request)) {
          response = match.route->refuse_input(request, *bad);
          require(response.status == 400, "refused input is not answered 400");
        } else {
          response = co_await h.router.dispatch(*match.route, request);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "http_fuzz: exception (the server's 500): %s\n", e.what());
        __builtin_trap();
      }
      break;
    case http::RouteMatch::Kind::kMethodNotAllowed:
      require(!match.allow.empty(), "405 without an Allow list");
      response = http::problem(405, "method-not-allowed", "Method Not Allowed",
                               "allowed: " + match.allow, request.request_id);
      break;
    case http::RouteMatch::Kind::kNotFound:
      response = http::problem(404, "not-found", "Not Found", "no such resource", request.request_id);
      break;
  }
  check_response(response);
}

// server.cpp serve(): requests one after another from what the connection
// sent, until one fails to parse or does not keep the connection alive.
awaitable<void> serve(Harness& h, std::string input) {
  const http::ServerLimits limits;  // the server's defaults
  beast::flat_buffer buffer;
  auto bytes = asio::buffer_copy(buffer.prepare(input.size()), asio::buffer(input));
  buffer.commit(bytes);
  for (int requests = 0; buffer.size() > 0 && requests < 16; ++requests) {
    http::RequestParser parser;
    http::prepare_parser(parser, limits.max_header_bytes);
    boost::system::error_code ec;
    http::parse_buffered(parser, buffer, ec);
    http::RouteMatch match;
    if (!ec && parser.is_header_done()) {
      std::size_t body_limit = 0;
      match = http::route_for_body(parser, h.router, limits.max_body_bytes, body_limit, ec);
      if (!ec && !parser.is_done()) {
        parser.eager(true);
        http::parse_buffered(parser, buffer, ec);
      }
    }
    // The connection has nothing more: Beast's read ends with put_eof.
    if (!ec && !parser.is_done()) parser.put_eof(ec);
    if (ec) {
      check_rejection(ec);
      co_return;
    }
    auto& req = parser.get();
    bool keep_alive = req.keep_alive();
    co_await respond(h, req, std::move(match));
    if (!keep_alive) co_return;
  }
}

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& h = harness();
  std::string input(reinterpret_cast<const char*>(data), size);
  replace_all(input, "@owner@", h.owner_token);
  replace_all(input, "@member@", h.member_token);
  replace_all(input, "@expired@", h.expired_token);
  if (auto at = input.find("@len@"); at != std::string::npos) {
    auto end = input.find("\r\n\r\n", at);
    auto length = end == std::string::npos ? 0 : input.size() - (end + 4);
    input.replace(at, 5, std::to_string(length));
  }
  bool finished = false;
  asio::co_spawn(h.ioc, serve(h, std::move(input)), [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& what) {
        std::fprintf(stderr, "http_fuzz: exception: %s\n", what.what());
      }
      __builtin_trap();
    }
    finished = true;
  });
  h.ioc.restart();
  h.ioc.run();
  require(finished, "the request pipeline did not finish");
  return 0;
}
