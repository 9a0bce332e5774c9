#!/usr/bin/env bash
# E2E: kill -9 of a replica under load loses no read (HAProxy retries it on
# another replica) and applies no write twice, and supervisord brings the
# replica back. The load: anonymous GET /v1/ping (wrk), and authenticated
# reads (GET /v1/me, GET /v1/users) and idempotent writes (PATCH
# /v1/users/{id}), each with its own X-Request-ID. A write in flight on the
# killed replica may fail, but only with 502, 503, 504 or a dropped
# connection (HAProxy never replays a write it may have delivered); the
# audit log then holds at most one row per request id, and exactly one for
# each write that got a 2xx.
#  1. plain crash: supervisord restarts it within milliseconds, often before
#     HAProxy's checks notice; it is back UP and serving. The kill comes
#     while a write is in flight on that replica (every PATCH is held on a
#     row lock in PostgreSQL until one of the victim's waits there), so the
#     failure path of writes is always taken, never left to chance.
#  2. a crash that stays down (the release it runs is made unavailable for a
#     moment, so supervisord's restarts fail and back off): HAProxy must mark
#     it DOWN within 3 s; once the binary is back, supervisord's next attempt
#     starts it and it comes back into rotation.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3
mixed_setup
load_start keepalive -c4 "$HTTPS/v1/ping"
load_start newconn -c2 -H 'Connection: close' "$HTTPS/v1/ping"
mixed_start mixed --keep-alive 4 --new-conn 2 --rate 30
release=$(readlink "$TENANTRY_VAR/current")
set_current() { ln -sfn "$1" "$TENANTRY_VAR/current.e2e" && mv -fT "$TENANTRY_VAR/current.e2e" "$TENANTRY_VAR/current"; }

restarted() { local p; p=$(sv_pid "api-$1"); [ "$p" != 0 ] && [ "$p" != "$2" ]; }
serves_again() { (($(hap_stat api "api$1" stot) > $2 + 20)); }

# crash VICTIM PID: kill -9 it (t0: when).
crash() {
  local victim=$1 pid=$2
  server_is "api$victim" UP || fail "api$victim is $(hap_status "api$victim") in HAProxy before the crash"
  t0=$(now_ms)
  kill -9 "$pid"
}

# back_in_rotation VICTIM OLD_PID
back_in_rotation() {
  poll 30 "supervisord to restart api-$1" restarted "$1" "$2"
  log "supervisord restarted api-$1: pid $2 -> $(sv_pid "api-$1")"
  poll 30 "api$1 to be UP in HAProxy again" server_is "api$1" UP
  local taken
  taken=$(hap_stat api "api$1" stot)
  poll 15 "api$1 to serve requests again" serves_again "$1" "$taken"
  log "api$1 back in rotation $(($(now_ms) - t0)) ms after the kill"
}

# within SECS CMD...: CMD succeeds within SECS seconds (polled every 0.1 s).
within() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@" >/dev/null; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.1
  done
}

# hold_writes / release_writes: a transaction of ours holds the row of the
# user every PATCH changes (FOR UPDATE), so each PATCH waits in PostgreSQL,
# in flight, until it commits. Reads take no row lock and go on.
hold_writes() {
  rm -f "$TENANTRY_VAR/lock.fifo"
  mkfifo "$TENANTRY_VAR/lock.fifo"
  psql_as postgres -v user="$MIXED_USER_ID" <"$TENANTRY_VAR/lock.fifo" >/dev/null &
  lock_pid=$!
  exec 7>"$TENANTRY_VAR/lock.fifo"
  printf "BEGIN;\nSELECT 1 FROM users WHERE id = :'user' FOR UPDATE;\n" >&7
}
release_writes() {
  printf 'COMMIT;\n' >&7
  exec 7>&-
  wait "$lock_pid" || fail "the transaction holding the writes failed"
}

# write_waits_on PID: a PostgreSQL session of process PID waits for a lock:
# a PATCH that replica is serving is held.
write_waits_on() {
  local ports
  ports=$(psql_as postgres <<<"SELECT client_port FROM pg_stat_activity
    WHERE wait_event_type = 'Lock' AND usename = 'tenantry_app'")
  [ -n "$ports" ] || return 1
  ss -Htnp "( dport = :$TENANTRY_PG_PORT )" | grep -F "pid=$1," | awk '{print $4}' | sed 's/.*://' |
    grep -qxF -f <(printf '%s\n' "$ports")
}

# crash_during_write VICTIM PID: kill -9 it while one of its PATCHes is in
# flight. Round robin may send none of the held PATCHes to the victim: then
# the lock goes, the load moves on, and the next attempt holds them again.
crash_during_write() {
  local victim=$1 pid=$2 attempt answered
  for attempt in 1 2 3 4 5 6 7 8; do
    hold_writes
    if within 2 write_waits_on "$pid"; then
      crash "$victim" "$pid"
      release_writes
      log "killed api-$victim while a PATCH it was serving was in flight (attempt $attempt)"
      return 0
    fi
    release_writes
    answered=$(mixed_answered mixed)
    poll 10 "the mixed load to go on" mixed_answered_more_than mixed $((answered + 20))
  done
  fail "in 8 attempts, no held PATCH was on api-$victim"
}

log "1. kill -9 api-2 under load, while a write is in flight on it"
pid=$(sv_pid api-2)
crash_during_write 2 "$pid"
back_in_rotation 2 "$pid"

log "2. kill -9 api-3 under load, its binary unavailable so it stays down"
pid=$(sv_pid api-3)
mkdir -p "$TENANTRY_VAR/releases/e2e-empty"
E2E_CLEANUP_HOOKS+=("set_current $release")
set_current releases/e2e-empty
crash 3 "$pid"
poll 5 "HAProxy to mark api3 DOWN" server_down api3
down_ms=$(($(now_ms) - t0))
log "HAProxy marked api3 DOWN $down_ms ms after the kill"
((down_ms <= 3000)) || fail "api3 left rotation after $down_ms ms (limit 3000 ms)"
# Requests go on, on the two others, while it is down.
before=$(frontend_requests)
poll 15 "load to go on while api3 is down" more_requests_than $((before + 100))
[ "$(sv_state api-3)" != RUNNING ] || fail "api-3 was restarted although its binary was not there"
set_current "$release"
back_in_rotation 3 "$pid"

load_stop keepalive 300
load_stop newconn 50
mixed_stop mixed crash 50
failed_writes=$(awk -F'\t' '$2 == "write" && $5 !~ /^2/' "$TENANTRY_VAR/mixed-mixed.tsv" | wc -l)
((failed_writes >= 1)) || fail "no write failed, although api-2 was killed while serving one"
log "HAProxy: retries $(hap_stat api BACKEND wretr), redispatches $(hap_stat api BACKEND wredis)"
# Reads only: a write in flight on a killed replica may end in a 502.
n5xx=$(haproxy_5xx 'GET|HEAD')
[ "$n5xx" = 0 ] || fail "HAProxy logged $n5xx reads with status 5xx"
log "HAProxy: 5xx logged: 0 reads, $(haproxy_5xx PATCH) writes"
