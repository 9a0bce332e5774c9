// Beast + Asio coroutine server. Each worker thread owns an io_context; one
// acceptor hands connections round robin to the workers, and a connection
// then lives on one thread for its whole life, so sessions need no locks.
// (Not SO_REUSEPORT: it would let a second replica misconfigured onto the
// same port share it silently instead of failing to start.) Shutdown is a drain, never an
// abrupt ioc.stop(): readiness fails first, then accepting stops, idle
// keep-alive connections close, busy ones get `Connection: close` on their
// last response.
#include "platform/http/server.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "platform/base/request_id.h"
#include "platform/http/problem.h"
#include "platform/http/request_reader.h"

namespace tenantry::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Listener {
  const Router* router;
  bool is_public;  // public requests are logged and measured; admin ones are not
};

// A connection. Its timeouts are one deadline checked by one timer (see
// watchdog): moving the deadline is a store, not a timer operation, which
// matters on the hot path (beast::tcp_stream re-arms a timer per read/write).
struct Session {
  tcp::socket socket;
  asio::steady_timer timer;
  Clock::time_point deadline = Clock::time_point::max();
  bool idle = false;       // waiting for the first byte of the next request
  bool timed_out = false;  // the watchdog closed the socket

  explicit Session(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  void expire_in(std::chrono::milliseconds timeout) { deadline = Clock::now() + timeout; }
};

// Closes the session's socket once its deadline has passed. A deadline may
// move earlier without waking the timer, so the watchdog also looks every
// `tick` (the read timeout): a deadline is enforced within one tick.
asio::awaitable<void> watchdog(Session& session, std::chrono::milliseconds tick) {
  for (;;) {
    session.timer.expires_at(std::min(session.deadline, Clock::now() + tick));
    auto [ec] = co_await session.timer.async_wait(kNoThrow);
    if (ec) co_return;  // the session ended first
    if (session.deadline <= Clock::now()) {
      session.timed_out = true;
      boost::system::error_code ignored;
      session.socket.close(ignored);
      co_return;
    }
  }
}

struct Worker {
  asio::io_context ioc{1};
  // Keeps run() going while the worker waits for its first connection;
  // shutdown ends with ioc.stop().
  asio::executor_work_guard<asio::io_context::executor_type> busy = asio::make_work_guard(ioc);
  std::optional<tcp::acceptor> acceptor;
  std::optional<tcp::acceptor> admin_acceptor;
  std::unordered_set<Session*> sessions;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A trusted proxy's network, in IPv6 form (an IPv4 network as its
// v4-mapped range): one comparison per request, no allocation.
struct ProxyNetwork {
  asio::ip::address_v6::bytes_type bytes;
  unsigned prefix;
};

asio::ip::address_v6 as_v6(const asio::ip::address& address) {
  return address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                         : address.to_v6();
}

std::optional<ProxyNetwork> parse_network(std::string_view text) {
  auto slash = text.find('/');
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return std::nullopt;
  unsigned max = address.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
    prefix = static_cast<unsigned>(std::stoul(std::string(digits)));
    if (prefix > max) return std::nullopt;
  }
  return ProxyNetwork{as_v6(address).to_bytes(), prefix + (128 - max)};
}

bool in_network(const asio::ip::address_v6::bytes_type& peer, const ProxyNetwork& network) {
  for (unsigned bit = 0; bit < network.prefix; ++bit) {
    unsigned mask = 0x80u >> (bit % 8);
    if ((peer[bit / 8] & mask) != (network.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

// The last X-Forwarded-For hop is the one our load balancer added (it also
// deletes what clients send), and only a trusted proxy's word counts: from
// any other peer, a client could name any address it likes.
std::string forwarded_client(std::string_view xff, const asio::ip::address& peer,
                             const std::vector<ProxyNetwork>& trusted) {
  auto peer_text = peer.to_string();
  if (xff.empty()) return peer_text;
  auto peer_bytes = as_v6(peer).to_bytes();
  bool is_trusted = false;
  for (const auto& network : trusted) is_trusted = is_trusted || in_network(peer_bytes, network);
  if (!is_trusted) return peer_text;
  auto comma = xff.rfind(',');
  auto last = trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
  boost::system::error_code ec;
  auto client = asio::ip::make_address(std::string(last), ec);
  return ec ? peer_text : client.to_string();
}

void append_header_value(std::string& out, std::string_view value) {
  // A handler's header value must never split the response.
  for (char c : value) {
    if (c != '\r' && c != '\n') out += c;
  }
}

// One response in one buffer: a single write, and far cheaper than Beast's
// serializer, which dominated the profile of small responses.
std::string serialize(const Response& response, std::string_view request_id, bool keep_alive,
                      unsigned version, bool head) {
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  std::string out;
  out.reserve(160 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\nContent-Type: ";
  append_header_value(out, response.content_type);
  out += "\r\nX-Request-ID: ";
  out += request_id;
  out += "\r\nX-Content-Type-Options: nosniff";
  for (const auto& [name, value] : response.headers) {
    out += "\r\n";
    append_header_value(out, name);
    out += ": ";
    append_header_value(out, value);
  }
  out += "\r\nContent-Length: ";
  out += std::to_string(response.body.size());
  if (!keep_alive)
    out += "\r\nConnection: close";
  else if (version < 11)
    out += "\r\nConnection: keep-alive";
  out += "\r\n\r\n";
  if (!head) out += response.body;
  return out;
}

// One public request in flight, for as long as it lives. Only the public
// listener counts towards the limit: the admin listener must answer
// /metrics precisely when the replica is overloaded.
struct InFlight {
  InFlight(HttpMetrics& metrics, bool counted) : metrics_(metrics), counted_(counted) {
    if (counted_) now = ++metrics_.in_flight;
  }
  ~InFlight() {
    if (counted_) --metrics_.in_flight;
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

  long now = 0;  // requests in flight, this one included (0: not counted)

 private:
  HttpMetrics& metrics_;
  bool counted_;
};

tcp::acceptor open_acceptor(asio::io_context& ioc, const tcp::endpoint& endpoint) {
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + endpoint.address().to_string() + ":" +
                             std::to_string(endpoint.port()) + ": " + ec.message());
  }
  return acceptor;
}

}  // namespace

bool is_valid_cidr(std::string_view text) { return parse_network(text).has_value(); }

struct Server::Impl {
  ServerConfig config;
  const Router& router;
  const Router& admin_router;
  base::Logger& logger;
  HttpMetrics& metrics;

  std::vector<std::unique_ptr<Worker>> workers;
  unsigned short port = 0;
  unsigned short admin_port = 0;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> forced{false};
  std::atomic<bool> finished{false};
  std::atomic<long> open_sessions{0};
  std::atomic<long> public_sessions{0};  // counted against limits.max_connections
  std::optional<asio::steady_timer> drain_timer;
  std::optional<asio::steady_timer> deadline_timer;
  std::optional<asio::signal_set> signals;
  std::vector<ProxyNetwork> trusted_proxies;

  Impl(ServerConfig c, const Router& r, const Router& a, base::Logger& l, HttpMetrics& m)
      : config(std::move(c)), router(r), admin_router(a), logger(l), metrics(m) {
    for (const auto& cidr : config.trusted_proxies) {
      auto network = parse_network(cidr);
      if (!network) throw std::invalid_argument("not a CIDR block: " + cidr);
      trusted_proxies.push_back(*network);
    }
    for (unsigned i = 0; i < std::max(1u, config.threads); ++i) {
      workers.push_back(std::make_unique<Worker>());
    }
  }

  Worker& main_worker() { return *workers.front(); }

  void bind() {
    auto address = asio::ip::make_address(config.address);
    main_worker().acceptor.emplace(open_acceptor(main_worker().ioc, {address, config.port}));
    port = main_worker().acceptor->local_endpoint().port();
    main_worker().admin_acceptor.emplace(open_acceptor(
        main_worker().ioc, {asio::ip::make_address(config.admin_address), config.admin_port}));
    admin_port = main_worker().admin_acceptor->local_endpoint().port();
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, Listener listener) {
    for (std::size_t next = 0;; ++next) {
      Worker& worker = *workers[next % workers.size()];
      auto [ec, socket] = co_await acceptor.async_accept(worker.ioc, kNoThrow);
      if (stopping || !acceptor.is_open()) co_return;
      if (ec) {
        // EMFILE and friends: back off instead of spinning.
        logger.warn("accept failed", {{"error", ec.message()}});
        asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      // Beyond its limit a replica closes what it accepts at once: the load
      // balancer (whose per-server maxconn stays below it) tries another
      // replica, and this one keeps its memory and descriptors.
      if (listener.is_public && public_sessions >= static_cast<long>(config.limits.max_connections)) {
        metrics.rejected("connection_limit");
        socket.close(ec);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      ++open_sessions;
      if (listener.is_public) ++public_sessions;
      asio::co_spawn(worker.ioc, session(worker, std::move(socket), listener), asio::detached);
    }
  }

  asio::awaitable<void> session(Worker& worker, tcp::socket socket, Listener listener) {
    using namespace asio::experimental::awaitable_operators;
    Session state(std::move(socket));
    worker.sessions.insert(&state);
    if (listener.is_public) metrics.connections.Increment();
    boost::system::error_code peer_ec;
    auto peer = state.socket.remote_endpoint(peer_ec).address();
    // `||`: when serving ends, the watchdog is cancelled, and vice versa.
    co_await (serve_guarded(state, listener, peer) || watchdog(state, config.limits.read_timeout));
    boost::system::error_code ignored;
    state.socket.shutdown(tcp::socket::shutdown_send, ignored);
    state.socket.close(ignored);
    if (listener.is_public) {
      metrics.connections.Decrement();
      --public_sessions;
    }
    worker.sessions.erase(&state);
    if (--open_sessions == 0 && stopping) finish();
  }

  // `||` waits for the first *successful* branch: never let serve throw.
  asio::awaitable<void> serve_guarded(Session& state, Listener listener,
                                      const asio::ip::address& peer) {
    try {
      co_await serve(state, listener, peer);
    } catch (const std::exception& e) {
      logger.error("session failed", {{"error", e.what()}});
    }
  }

  asio::awaitable<void> serve(Session& state, Listener listener, const asio::ip::address& peer) {
    // When the watchdog ends the session, serve is cancelled; its
    // operations then report errors as values instead of throwing.
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto& limits = config.limits;
    beast::flat_buffer buffer;
    for (;;) {
      if (buffer.size() == 0) {
        if (stopping) co_return;
        state.idle = true;
        state.expire_in(limits.idle_timeout);
        auto [ec, n] = co_await state.socket.async_read_some(buffer.prepare(4096), kNoThrow);
        state.idle = false;
        if (ec) co_return;  // closed by the client, idle timeout, or shutdown
        buffer.commit(n);
      }

      RequestParser parser;
      prepare_parser(parser, limits.max_header_bytes);
      state.expire_in(limits.read_timeout);
      // A small request usually arrived whole with the first read: parse it
      // in place, and only go back to the socket for what is missing (an
      // async read of data already buffered costs a trip through the
      // scheduler).
      boost::system::error_code ec;
      parse_buffered(parser, buffer, ec);
      std::size_t unused = 0;
      if (!ec && !parser.is_header_done()) {
        std::tie(ec, unused) =
            co_await bhttp::async_read_header(state.socket, buffer, parser, kNoThrow);
      }
      RouteMatch match;
      std::size_t body_limit = limits.max_body_bytes;
      if (!ec)
        match = route_for_body(parser, *listener.router, limits.max_body_bytes, body_limit, ec);
      if (!ec && !parser.is_done()) {
        parser.eager(true);
        parse_buffered(parser, buffer, ec);
      }
      if (!ec && !parser.is_done()) {
        if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
          bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
          auto [wec, wn] = co_await bhttp::async_write(state.socket, go_on, kNoThrow);
          if (wec) co_return;
        }
        std::tie(ec, unused) = co_await bhttp::async_read(state.socket, buffer, parser, kNoThrow);
      }
      if (ec) {
        if (state.timed_out) {
          metrics.rejected("timeout");  // the socket is closed: nothing can be written
          co_return;
        }
        co_await reject(state, ec, parser.is_header_done() ? &parser.get() : nullptr, body_limit);
        co_return;
      }

      // No connection deadline while the handler runs: handlers bound their
      // own waits (a slow request must not be cut by the read timeout).
      state.deadline = Clock::time_point::max();
      auto& req = parser.get();
      bool keep_alive = req.keep_alive();
      co_await respond(state, listener, peer, req, std::move(match), keep_alive);
      if (!keep_alive) co_return;
    }
  }

  // A request that could not be read: answer what can be answered, then close.
  asio::awaitable<void> reject(Session& state, boost::system::error_code ec,
                               const BeastRequest* partial, std::size_t body_limit) {
    std::string request_id;
    if (partial) {
      auto incoming = (*partial)["X-Request-ID"];
      if (base::is_valid_request_id(incoming)) request_id = std::string(incoming);
    }
    if (request_id.empty()) request_id = base::generate_request_id();

    Response response;
    if (ec == bhttp::error::header_limit) {
      metrics.rejected("header_too_large");
      response = problem(
          431, "header-too-large", "Request Header Fields Too Large",
          "the request header exceeds " + std::to_string(config.limits.max_header_bytes) + " bytes",
          request_id);
    } else if (ec == bhttp::error::body_limit) {
      metrics.rejected("body_too_large");
      response = problem(
          413, "body-too-large", "Content Too Large",
          "the request body exceeds " + std::to_string(body_limit) + " bytes",
          request_id);
    } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
               ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category()) {
      co_return;  // the client went away
    } else {
      metrics.rejected("bad_request");
      response = problem(400, "bad-request", "Bad Request", "malformed HTTP request", request_id);
    }
    auto bytes = serialize(response, request_id, /*keep_alive=*/false, 11, /*head=*/false);
    state.expire_in(config.limits.read_timeout);
    auto [wec, written] = co_await asio::async_write(state.socket, asio::buffer(bytes), kNoThrow);
    if (wec) co_return;
    // Lingering close: closing with the rest of the request still unread
    // would send a reset, which can destroy the answer before the client
    // reads it. Say we are done, then discard what still arrives until the
    // client closes, for kLinger (enforced within a read timeout).
    constexpr std::chrono::milliseconds kLinger{1'000};
    boost::system::error_code ignored;
    state.socket.shutdown(tcp::socket::shutdown_send, ignored);
    state.expire_in(kLinger);
    std::array<char, 16 * 1024> discard;
    for (;;) {
      auto [rec, n] = co_await state.socket.async_read_some(asio::buffer(discard), kNoThrow);
      if (rec) break;
    }
  }

  asio::awaitable<void> respond(Session& state, Listener listener, const asio::ip::address& peer,
                                BeastRequest& req, RouteMatch match, bool& keep_alive) {
    auto started = Clock::now();
    Request request;
    fill_request(request, req);
    request.remote = forwarded_client(request.header("x-forwarded-for"), peer, trusted_proxies);
    InFlight in_flight(metrics, listener.is_public);

    const Route* route = nullptr;  // the route that ran
    Response response;
    if (in_flight.now > static_cast<long>(config.limits.max_in_flight)) {
      metrics.rejected("overload");
      response = overloaded("this replica is at its limit of in-flight requests; retry shortly",
                            request.request_id);
    } else if (match.kind != RouteMatch::Kind::kFound) {
      response = unrouted(match, request);
    } else {
      // The route's own steps stay in this coroutine: a helper coroutine
      // would cost a frame per request.
      route = match.route;
      request.params = std::move(match.params);
      try {
        if (auto refusal = refuse_invalid_input(*route, request))
          response = std::move(*refusal);
        else
          response = co_await listener.router->dispatch(*route, request);
      } catch (const std::exception& e) {
        response = handler_failed(request, *route, e);
      }
    }

    keep_alive = keep_alive && !stopping;
    auto bytes = serialize(response, request.request_id, keep_alive, req.version(),
                           request.method == "HEAD");
    state.expire_in(config.limits.read_timeout);
    auto [wec, written] = co_await asio::async_write(state.socket, asio::buffer(bytes), kNoThrow);
    if (wec) keep_alive = false;
    if (listener.is_public) account(request, route, response.status, started);
  }

  // 405 with Allow, or 404.
  static Response unrouted(const RouteMatch& match, const Request& request) {
    if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
      auto response = problem(405, "method-not-allowed", "Method Not Allowed",
                              "allowed: " + match.allow, request.request_id);
      response.with_header("Allow", match.allow);
      return response;
    }
    return problem(404, "not-found", "Not Found", "no such resource", request.request_id);
  }

  // The route's answer to input that is not clean text, which no handler
  // or middleware sees. Never stored by a cache on the way: the route may
  // be one that a credential unlocks, which only its middleware knows.
  std::optional<Response> refuse_invalid_input(const Route& route, const Request& request) {
    auto bad = find_invalid_input(request);
    if (!bad) return std::nullopt;
    metrics.rejected("invalid_input");
    auto response = route.refuse_input(request, *bad);
    no_store(response);
    return response;
  }

  Response handler_failed(const Request& request, const Route& route, const std::exception& e) {
    logger.error(
        "handler failed",
        {{"request_id", request.request_id}, {"route", route.pattern}, {"error", e.what()}});
    return problem(500, "internal", "Internal Server Error",
                   "the server failed to handle this request", request.request_id);
  }

  // The request's metrics and access-log line (public listener only).
  void account(const Request& request, const Route* route, unsigned status,
               Clock::time_point started) {
    std::string_view route_label = route ? std::string_view(route->pattern) : "unmatched";
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    metrics.observe(request.method, route_label, status, seconds);
    bool quiet = route && !route->access_log;
    auto level = quiet ? base::LogLevel::kDebug : base::LogLevel::kInfo;
    if (!logger.enabled(level)) return;
    logger.log(level, "request",
               {{"request_id", request.request_id},
                {"trace_id", request.trace_id},
                {"method", request.method},
                {"route", route_label},
                {"status", static_cast<std::int64_t>(status)},
                {"duration_ms", seconds * 1000.0},
                {"remote", request.remote}});
  }

  // --- shutdown ---------------------------------------------------------

  void begin_shutdown() {
    if (draining.exchange(true)) return;
    metrics.draining.Set(1);
    logger.info(
        "draining",
        {{"drain_delay_ms", static_cast<std::int64_t>(config.drain_delay.count())},
         {"shutdown_timeout_ms", static_cast<std::int64_t>(config.shutdown_timeout.count())}});
    asio::post(main_worker().ioc, [this] {
      drain_timer.emplace(main_worker().ioc, config.drain_delay);
      drain_timer->async_wait([this](boost::system::error_code ec) {
        if (!ec) stop_accepting();
      });
      deadline_timer.emplace(main_worker().ioc, config.drain_delay + config.shutdown_timeout);
      deadline_timer->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        logger.error("shutdown deadline reached; closing busy connections",
                     {{"open_connections", static_cast<std::int64_t>(open_sessions.load())}});
        forced = true;
        stop_all();
      });
    });
  }

  void stop_accepting() {
    stopping = true;
    logger.info("stopped accepting",
                {{"open_connections", static_cast<std::int64_t>(open_sessions.load())}});
    for (auto& worker : workers) {
      asio::post(worker->ioc, [this, w = worker.get()] {
        boost::system::error_code ignored;
        if (w->acceptor) w->acceptor->close(ignored);
        if (w->admin_acceptor) w->admin_acceptor->close(ignored);
        for (auto* session : w->sessions) {
          if (session->idle) session->socket.cancel();
        }
      });
    }
    if (open_sessions == 0) finish();
  }

  void finish() {
    if (finished.exchange(true)) return;
    logger.info("drained");
    stop_all();
  }

  void stop_all() {
    for (auto& worker : workers) worker->ioc.stop();
  }

  void watch_signals() {
    signals.emplace(main_worker().ioc, SIGTERM, SIGINT);
    signals->async_wait([this](boost::system::error_code ec, int signo) {
      if (ec) return;
      logger.info("signal received", {{"signal", static_cast<std::int64_t>(signo)}});
      begin_shutdown();
      signals->async_wait([this](boost::system::error_code ec2, int) {
        if (ec2) return;
        logger.warn("second signal: exiting at once");
        logger.flush();
        std::_Exit(1);
      });
    });
  }

  int run() {
    asio::co_spawn(main_worker().ioc, accept_loop(*main_worker().acceptor, {&router, true}),
                   asio::detached);
    asio::co_spawn(main_worker().ioc,
                   accept_loop(*main_worker().admin_acceptor, {&admin_router, false}),
                   asio::detached);
    if (config.handle_signals) watch_signals();
    logger.info("listening", {{"port", static_cast<std::int64_t>(port)},
                              {"admin_port", static_cast<std::int64_t>(admin_port)},
                              {"threads", static_cast<std::int64_t>(workers.size())}});
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers.size(); ++i) {
      threads.emplace_back([w = workers[i].get()] { w->ioc.run(); });
    }
    main_worker().ioc.run();
    for (auto& thread : threads) thread.join();
    return forced ? 1 : 0;
  }
};

Server::Server(ServerConfig config, const Router& router, const Router& admin_router,
               base::Logger& logger, HttpMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(config), router, admin_router, logger, metrics)) {}

Server::~Server() = default;

std::vector<asio::io_context*> Server::contexts() const {
  std::vector<asio::io_context*> contexts;
  for (auto& worker : impl_->workers) contexts.push_back(&worker->ioc);
  return contexts;
}

void Server::bind() { impl_->bind(); }
unsigned short Server::port() const { return impl_->port; }
unsigned short Server::admin_port() const { return impl_->admin_port; }
int Server::run() { return impl_->run(); }
void Server::shutdown() { impl_->begin_shutdown(); }
bool Server::draining() const { return impl_->draining; }

}  // namespace tenantry::http
