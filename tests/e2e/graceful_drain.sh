#!/usr/bin/env bash
# E2E: SIGTERM drains a replica. A slow request in flight when the signal
# comes completes with 200; /readyz turns 503 at once so HAProxy takes the
# replica out; the process exits 0 by itself. Checked on a replica directly
# (the test-only /v1/test/sleep, which HAProxy refuses), then through HAProxy
# with an ordinary route, GET /v1/users, made slow by a lock on its table (no
# request of a draining replica is cut).
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

SLOW_MS=4000
e2e_up 3

in_flight() { # in_flight I: replica I's in-flight request gauge is >= 1
  curl -s -m 2 "http://127.0.0.1:$(admin_port "$1")/metrics" |
    awk '$1 == "tenantry_http_requests_in_flight" && $2 >= 1 {found = 1} END {exit !found}'
}
readyz_is() { [ "$(http_code "http://127.0.0.1:$(api_port "$1")/readyz" 2)" = "$2" ]; }
exited_cleanly() { grep -q "exited: api-$1 (exit status 0; expected)" "$TENANTRY_VAR/log/supervisord.log"; }
exited_at_all() { grep -qE "(exited|stopped): api-$1 " "$TENANTRY_VAR/log/supervisord.log"; }

# slow_request NAME URL: in the background; its status lands in $TENANTRY_VAR/NAME.code
slow_request() {
  curl -sk -o /dev/null -m 30 -w '%{http_code} %{time_total}' "$2" >"$TENANTRY_VAR/$1.code" 2>/dev/null &
  E2E_BG_PIDS+=($!)
  SLOW_PID=$!
}

# drain_and_check I NAME: SIGTERM replica I while request NAME is in flight.
drain_and_check() {
  local i=$1 name=$2 pid t0 code seen503=0
  pid=$(sv_pid "api-$i")
  t0=$(now_ms)
  kill -TERM "$pid"
  log "SIGTERM to api-$i (pid $pid) with request '$name' in flight"
  # Readiness goes 503 at once, well inside the drain delay.
  poll 2 "api-$i /readyz to answer 503 while draining" readyz_is "$i" 503
  log "api-$i /readyz answers 503 after $(($(now_ms) - t0)) ms"
  # It still serves during the drain delay.
  [ "$(http_code "http://127.0.0.1:$(api_port "$i")/livez" 2)" = 200 ] ||
    fail "api-$i did not serve /livez during its drain delay"
  wait "$SLOW_PID" || true
  read -r code secs <"$TENANTRY_VAR/$name.code" || true
  [ "$code" = 200 ] || fail "request '$name' in flight at SIGTERM answered '${code:-nothing}', not 200"
  log "request '$name' completed with 200 after ${secs}s"
  poll 30 "api-$i to exit" exited_at_all "$i"
  exited_cleanly "$i" || fail "api-$i did not exit 0: $(grep -E "(exited|stopped): api-$i " "$TENANTRY_VAR/log/supervisord.log" | tail -n 1)"
  log "api-$i exited with status 0 $(($(now_ms) - t0)) ms after SIGTERM"
}

log "1. directly on api-1"
slow_request direct "http://127.0.0.1:$(api_port 1)/v1/test/sleep?ms=$SLOW_MS"
poll 5 "the slow request to be in flight on api-1" in_flight 1
drain_and_check 1 direct
[ "$(sv_state api-1)" = EXITED ] || fail "api-1 is $(sv_state api-1) after a clean exit: expected EXITED (not restarted)"

log "2. through HAProxy, with an ordinary route"
busy_server() { # the one server of backend api with a session
  local s
  for s in api2 api3; do
    [ "$(hap_stat api "$s" scur)" -ge 1 ] && { echo "$s"; return 0; }
  done
  return 1
}
users_locked() { [ "$(psql_as postgres -c "SELECT count(*) FROM pg_locks WHERE relation = 'users'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ]; }
created=$(tenantryctl tenant create --slug drain --name Drain --owner-email owner@drain.example) ||
  fail "tenantryctl tenant create failed"
token=$(e2e_sign_in drain owner@drain.example "$(sed -n 's/^password //p' <<<"$created")")
# The owner's GET /v1/users reads table users: it waits while a superuser
# session holds that table locked for SLOW_MS (under the replicas' 5 s
# statement timeout), then answers 200.
psql_as postgres -c "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($SLOW_MS / 1000.0); COMMIT;" >/dev/null &
E2E_BG_PIDS+=($!)
LOCK_PID=$!
poll 5 "the lock on table users" users_locked
curl -sk -o /dev/null -m 30 -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" \
  "$HTTPS/v1/users" >"$TENANTRY_VAR/via_haproxy.code" 2>/dev/null &
E2E_BG_PIDS+=($!)
SLOW_PID=$!
poll 5 "the slow request to reach a replica through HAProxy" busy_server
victim=$(busy_server)
victim=${victim#api}
load_start during_drain -c2 "$HTTPS/v1/ping"
drain_and_check "$victim" via_haproxy
wait "$LOCK_PID" || fail "the session that held the lock failed"
server_down "api$victim" || fail "HAProxy still sees api$victim as $(hap_status "api$victim") after it exited"
load_stop during_drain 50
n5xx=$(haproxy_5xx)
[ "$n5xx" = 0 ] || fail "HAProxy logged $n5xx responses with status 5xx"
