// Tenant-scoped cache-aside on Redis. A TenantCache is obtained from the
// request's principal and builds every key under that tenant's prefix: it
// has no way to name another tenant's entry. Values carry their encoding's
// version, so a replica of another release never decodes them wrongly.
// Entries expire after a TTL with jitter (hot keys filled together do not
// expire together); a miss loads once per key per process (single-flight)
// and fills Redis unless the entry was invalidated meanwhile (a generation
// counter per entry makes that exact). Invalidation happens only after
// the transaction that changed the data has committed. Redis unreachable:
// every read goes to the loader (PostgreSQL); the caller never sees it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "platform/base/log.h"
#include "platform/cache/single_flight.h"
#include "platform/db/transaction.h"
#include "platform/redis/client.h"
#include "platform/tenancy/principal.h"

namespace tenantry::cache {

// A kind of cached value: its name (part of every key), the version of its
// encoding (bump it with the encoding) and how to encode and decode it.
template <typename T>
struct Kind {
  std::string_view name;  // lowercase letters and '_'
  int version = 1;
  std::string (*encode)(const T&);
  std::optional<T> (*decode)(std::string_view);  // nullopt: not a value of this kind
};

struct CacheConfig {
  std::chrono::milliseconds ttl{60'000};
  double ttl_jitter = 0.1;                        // each fill's TTL varies by up to ±10%
  std::chrono::milliseconds wait_timeout{6'000};  // a follower's longest wait for a load
};

template <typename T>
using Loader = std::function<boost::asio::awaitable<db::Result<T>>()>;

class TenantCache;

class Cache {
 public:
  // `kinds`: the names of every kind it will see (their counters are made
  // once, here, not on each read).
  Cache(redis::Client& redis, CacheConfig config, std::vector<std::string> kinds,
        prometheus::Registry& registry, base::Logger& logger);
  ~Cache();

  // The only way to read entries: those of the request's tenant.
  TenantCache for_request(const tenancy::Principal& principal);

  // Drops an entry of the tenant `committed` was scoped to, on every
  // replica at once. Only after commit: dropping it earlier would let a
  // concurrent reader fill it again with what is about to change.
  template <typename T>
  boost::asio::awaitable<void> invalidate_after_commit(const db::TenantTransaction& committed,
                                                       const Kind<T>& kind, std::string_view id) {
    if (!committed.committed())
      throw std::logic_error("cache invalidation before the transaction committed");
    return invalidate(key(committed.tenant(), kind.name, id), kind.name);
  }

 private:
  friend class TenantCache;
  using Encoded = db::Result<std::string>;
  static std::string key(const tenancy::TenantId& tenant, std::string_view kind,
                         std::string_view id);
  boost::asio::awaitable<Encoded> get(std::string key, int version, std::string_view kind,
                                      Loader<std::string> load);
  boost::asio::awaitable<void> invalidate(std::string key, std::string_view kind);

  struct Lookup;
  boost::asio::awaitable<Lookup> look_up(const std::string& key, int version);
  boost::asio::awaitable<void> fill(const std::string& key, int version,
                                    const std::string& generation, const std::string& value);
  std::chrono::milliseconds jittered_ttl() const;

  redis::Client& redis_;
  CacheConfig config_;
  base::Logger& logger_;
  struct Counters;
  Counters& counters(std::string_view kind);
  std::vector<std::unique_ptr<Counters>> counters_;
  SingleFlight flights_;
};

// One tenant's entries. Holds no data: make one per request.
class TenantCache {
 public:
  // The cached value of `kind` for `id`, or `load()`'s (which fills the
  // cache). Errors are the loader's: the cache adds none of its own.
  template <typename T>
  boost::asio::awaitable<db::Result<T>> get(const Kind<T>& kind, std::string_view id,
                                            Loader<T> load) {
    Loader<std::string> encoded_load = [&]() -> boost::asio::awaitable<db::Result<std::string>> {
      auto value = co_await load();
      if (!value) co_return value.error();
      co_return kind.encode(*value);
    };
    auto encoded = co_await cache_.get(Cache::key(tenant_, kind.name, id), kind.version, kind.name,
                                       encoded_load);
    if (!encoded) co_return encoded.error();
    if (auto value = kind.decode(*encoded)) co_return std::move(*value);
    co_return co_await load();  // unreadable in Redis (never trusted): read the truth
  }

 private:
  friend class Cache;
  TenantCache(Cache& cache, tenancy::TenantId tenant) : cache_(cache), tenant_(std::move(tenant)) {}
  Cache& cache_;
  tenancy::TenantId tenant_;
};

}  // namespace tenantry::cache
