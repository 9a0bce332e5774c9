#!/usr/bin/env bash
# E2E: a Redis outage that users do not feel. Three replicas behind HAProxy
# serve an authenticated read load (GET /v1/me: bearer verification, the
# tenant record from the Redis cache and the tenant's and user's rate-limit
# decision in Redis; and GET /v1/ping) while Redis is stopped for 20 s. The
# rate limiter fails open behind its circuit breaker (and then needs no
# tenant record), so no request waits out a Redis timeout:
#   - at least 99.9% of requests succeed during the outage;
#   - no replica leaves HAProxy's rotation;
#   - P99 during the outage stays within 2x of P99 before it (plus 1 ms, the
#     resolution that matters at these latencies);
#   - within 5 s of Redis's return, decisions are made in Redis again;
#   - fail-open and the cache bypass really happened, on every replica: its
#     /metrics count rate-limit decisions that failed open
#     (tenantry_ratelimit_decisions_total{policy="tenant",result="failed_open"})
#     and tenant-record reads that bypassed the cache
#     (tenantry_cache_requests_total{kind="tenant",result="bypass"}) during
#     the outage, more than in the same time before it;
#   - no request was refused with 429 (the limits are far above the load:
#     a 429 means a decision failed closed). Each phase's status counts are
#     printed.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3
# Limits far above this load: every request is decided in Redis (while it
# is up) and none is refused, so failures are failures.
tenantryctl plan set enterprise --tenant-rps 1000000 --tenant-burst 1000000 --user-rps 1000000 \
  --user-burst 1000000 || fail "tenantryctl plan set failed"
TOKEN=$(tenantryctl token mint --dir "$TENANTRY_VAR/secrets/keys" \
  --tenant "$(e2e_tenant tenant-c enterprise)" --subject e2e --roles member --ttl 3600)
work=$(mktemp -d "$TENANTRY_VAR/outage.XXXXXX")
cat >"$work/mixed.lua" <<LUA
-- Two reads in turn: an authenticated one and a ping; one line of figures
-- and one of the count of each status (socket errors apart).
local n = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
statuses = {}
request = function()
  n = n + 1
  if n % 2 == 0 then return wrk.format("GET", "/v1/ping") end
  return wrk.format("GET", "/v1/me", { ["Authorization"] = "Bearer $TOKEN" })
end
response = function(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("FIGURES requests=%d failed=%d p50=%.3f p99=%.3f\n", summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
  end
  local line = "STATUSES"
  for status = 100, 599 do
    if total[status] then line = line .. " " .. status .. ":" .. total[status] end
  end
  io.write(string.format("%s socket-errors:%d\n", line, e.connect + e.read + e.write + e.timeout))
end
LUA
load() { # SECONDS NAME
  wrk -t1 -c8 -d"$1"s --latency -s "$work/mixed.lua" "$HTTPS" >"$work/$2.out" 2>&1 || fail "wrk failed: $(cat "$work/$2.out")"
  grep '^FIGURES ' "$work/$2.out" || fail "no figures from wrk ($2)"
  grep '^STATUSES ' "$work/$2.out" || fail "no status counts from wrk ($2)"
}
statuses() { sed -n 's/^STATUSES //p' <<<"$1"; }
status_count() { sed -n "s/.*STATUSES.* $2:\([0-9]*\).*/\1/p" <<<"$1" | grep . || echo 0; }
# metric REPLICA SERIES: a counter of that replica's /metrics (0 when absent).
metric() {
  local n
  n=$(curl -s -m 5 "http://127.0.0.1:$(admin_port "$1")/metrics" | awk -v s="$2" '$1 == s { print $2 }')
  echo "${n:-0}"
}
FAILED_OPEN='tenantry_ratelimit_decisions_total{policy="tenant",result="failed_open"}'
BYPASS='tenantry_cache_requests_total{kind="tenant",result="bypass"}'
declare -A OPEN0=() OPEN1=() OPEN2=() BYPASS0=() BYPASS1=() BYPASS2=()
snapshot() { # SUFFIX: both counters of each replica into OPEN<SUFFIX>, BYPASS<SUFFIX>
  local -n open=OPEN$1 bypass=BYPASS$1
  local i
  for i in 1 2 3; do
    open[$i]=$(metric "$i" "$FAILED_OPEN")
    bypass[$i]=$(metric "$i" "$BYPASS")
  done
}
fig() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
allowed_on() { # REPLICA: decisions that replica made in Redis so far
  local n
  n=$(curl -s "http://127.0.0.1:$(admin_port "$1")/metrics" |
    sed -n 's/^tenantry_ratelimit_decisions_total{policy="tenant",result="allowed"} //p')
  echo "${n:-0}"
}
# Each replica decides in Redis again: one request to it directly, and its
# count of decisions made in Redis went up.
all_decide_in_redis_again() {
  local i
  for i in 1 2 3; do
    curl -s -o /dev/null -m 2 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$(api_port "$i")/v1/me"
    (($(allowed_on "$i") > ${BASELINE[$i]})) || return 1
  done
}
declare -A BASELINE=()

snapshot 0
log "before: 10 s of mixed reads"
before=$(load 10 before)
snapshot 1
log "stopping Redis for 20 s under the same load"
ctl stop redis >/dev/null
during=$(load 20 during)
snapshot 2
up_during=$(for i in 1 2 3; do server_is "api$i" UP && echo up; done | wc -l)
for i in 1 2 3; do BASELINE[$i]=$(allowed_on "$i"); done
ctl start redis >/dev/null
back=$(now_ms)
poll 5 "every replica to decide rate limits in Redis again" all_decide_in_redis_again
recovered_ms=$(($(now_ms) - back))

requests=$(fig "$during" requests)
failed=$(fig "$during" failed)
p99_before=$(fig "$before" p99)
p99_during=$(fig "$during" p99)
log "before:  $(fig "$before" requests) requests, $(fig "$before" failed) failed, P50 $(fig "$before" p50) ms, P99 $p99_before ms"
log "outage:  $requests requests, $failed failed, P50 $(fig "$during" p50) ms, P99 $p99_during ms; replicas in rotation: $up_during of 3"
log "Redis back: decisions in Redis again after ${recovered_ms} ms"
log "status counts before: $(statuses "$before"); outage: $(statuses "$during")"
for i in 1 2 3; do
  open_before=$((OPEN1[$i] - OPEN0[$i])) open_during=$((OPEN2[$i] - OPEN1[$i]))
  bypass_before=$((BYPASS1[$i] - BYPASS0[$i])) bypass_during=$((BYPASS2[$i] - BYPASS1[$i]))
  log "api-$i: decisions failed open: $open_before before, $open_during in the outage;" \
    "cache bypasses: $bypass_before before, $bypass_during in the outage"
  ((open_during > 0 && open_during > open_before)) ||
    fail "api-$i: its rate-limit decisions did not fail open during the outage ($open_during; before: $open_before)"
  ((bypass_during > 0 && bypass_during > bypass_before)) ||
    fail "api-$i: its tenant-record reads did not bypass the cache during the outage ($bypass_during; before: $bypass_before)"
done
for phase in before during; do
  n429=$(status_count "${!phase}" 429)
  ((n429 == 0)) || fail "$n429 requests were refused with 429 ($phase the outage)"
done
awk -v f="$failed" -v n="$requests" 'BEGIN {exit !(n > 0 && f / n <= 0.001)}' ||
  fail "more than 0.1% of requests failed during the outage ($failed of $requests)"
((up_during == 3)) || fail "a replica left rotation during the outage"
awk -v a="$p99_during" -v b="$p99_before" 'BEGIN {exit !(a <= 2 * b + 1)}' ||
  fail "P99 during the outage ($p99_during ms) is above 2x before ($p99_before ms) + 1 ms"
((recovered_ms <= 5000)) || fail "decisions took ${recovered_ms} ms to return to Redis"
log "ok"
