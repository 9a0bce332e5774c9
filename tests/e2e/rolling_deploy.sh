#!/usr/bin/env bash
# E2E: `./tenantry deploy` restarts every replica, one at a time, while
# steady load goes through HAProxy on keep-alive connections and on new
# connections: anonymous GET /v1/ping (wrk) and a mixed load of
# authenticated reads (GET /v1/me, GET /v1/users) and idempotent writes
# (PATCH /v1/users/{id}), each with its own X-Request-ID. Not one non-2xx
# response, not one socket error, every write in the audit log exactly once,
# and every replica really is a new process afterwards.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3
mixed_setup
declare -A before
for i in 1 2 3; do before[$i]=$(sv_pid "api-$i"); done
log "replica pids before: ${before[*]}"

load_start keepalive -c4 "$HTTPS/v1/ping"
load_start newconn -c2 -H 'Connection: close' "$HTTPS/v1/ping"
mixed_start mixed --keep-alive 3 --new-conn 1 --rate 40

t0=$(now_ms)
if ! tenantry deploy 2>&1 | sed 's/^/    deploy| /'; then fail "./tenantry deploy failed"; fi
log "deploy took $(($(now_ms) - t0)) ms"

# Keep the load on a little after the last replica is back.
after_deploy=$(frontend_requests)
mixed_after=$(mixed_answered mixed)
poll 20 "load to continue after the deploy" more_requests_than $((after_deploy + 200))
poll 20 "the mixed load to continue after the deploy" mixed_answered_more_than mixed $((mixed_after + 100))
load_stop keepalive 500
load_stop newconn 100
mixed_stop mixed strict 100

for i in 1 2 3; do
  pid=$(sv_pid "api-$i")
  [ "$pid" != 0 ] || fail "api-$i is not running after the deploy"
  [ "$pid" != "${before[$i]}" ] || fail "api-$i still has pid $pid: it was not restarted"
  server_is "api$i" UP || fail "HAProxy sees api$i as $(hap_status "api$i") after the deploy"
  log "api-$i: pid ${before[$i]} -> $pid, UP in HAProxy"
done
n5xx=$(haproxy_5xx)
[ "$n5xx" = 0 ] || fail "HAProxy logged $n5xx responses with status 5xx"
log "HAProxy: retries $(hap_stat api BACKEND wretr), redispatches $(hap_stat api BACKEND wredis), 5xx logged: 0"
