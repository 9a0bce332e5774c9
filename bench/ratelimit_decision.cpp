// tenantry-bench-ratelimit: the round trip of one rate-limit decision
// (RateLimiter::decide: EVALSHA of the GCRA script through the pipelined
// client), one at a time, N times; prints P50, P99 and decisions/s, and the
// script's SHA1 for redis-benchmark. Run by bench/ratelimit-decision.
//   tenantry-bench-ratelimit REDIS_URL [N]
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <vector>

#include "platform/ratelimit/gcra.h"

int main(int argc, char** argv) {
  using namespace tenantry;
  using Clock = std::chrono::steady_clock;
  if (argc < 2) {
    std::fprintf(stderr, "usage: tenantry-bench-ratelimit REDIS_URL [N]\n");
    return 2;
  }
  long n = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 20'000;
  if (n <= 0) {
    std::fprintf(stderr, "tenantry-bench-ratelimit: N must be a positive integer\n");
    return 2;
  }
  boost::asio::io_context context(1);
  boost::asio::io_context* contexts[] = {&context};
  base::Logger logger("bench", base::LogLevel::kError, stderr);
  redis::ClientConfig config;
  config.concern = "ratelimit";
  config.endpoint = redis::parse_url("REDIS_URL", argv[1]);
  redis::Client client(config, contexts, logger);
  ratelimit::RateLimiter limiter(client);
  // Always allowed: the same work each time. Refused if Redis cannot decide.
  ratelimit::Policy policy{"bench", 1e6, 1'000'000'000, ratelimit::WhenRedisFails::kRefuse};
  std::vector<ratelimit::Limit> warm_up{{policy, "warm-up"}}, limits{{policy, "subject"}};
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(n));
  long failed = 0;
  double seconds = 0;
  boost::asio::co_spawn(
      context,
      [&]() -> boost::asio::awaitable<void> {
        for (int i = 0; i < 100; ++i) co_await limiter.decide(warm_up);
        auto start = Clock::now();
        for (long i = 0; i < n; ++i) {
          auto t0 = Clock::now();
          auto decision = co_await limiter.decide(limits);
          micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
          failed += decision.allowed ? 0 : 1;
        }
        seconds = std::chrono::duration<double>(Clock::now() - start).count();
      },
      boost::asio::detached);
  context.run();
  if (failed > 0 || micros.empty()) {
    std::fprintf(stderr, "tenantry-bench-ratelimit: %ld decisions failed\n", failed);
    return 1;
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[static_cast<std::size_t>(p * (micros.size() - 1))]; };
  std::printf("sha %s\np50_us %.1f\np99_us %.1f\nrps %.0f\n", ratelimit::gcra_script().sha1.c_str(),
              pct(0.50), pct(0.99), static_cast<double>(n) / seconds);
  return 0;
}
