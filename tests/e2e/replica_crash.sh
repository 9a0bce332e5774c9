#!/usr/bin/env bash
# E2E: kill -9 of a replica under GET load loses no request (HAProxy retries
# it on another replica) and supervisord brings the replica back.
#  1. plain crash: supervisord restarts it within milliseconds, often before
#     HAProxy's checks notice; it is back UP and serving.
#  2. a crash that stays down (supervisord paused with SIGSTOP, so the replica
#     is not restarted): HAProxy must mark it DOWN within 3 s; once
#     supervisord resumes, it restarts it and it comes back into rotation.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3
load_start keepalive -c4 "$HTTPS/v1/ping"
load_start newconn -c2 -H 'Connection: close' "$HTTPS/v1/ping"
supervisord_pid=$(cat "$TENANTRY_VAR/supervisord.pid")

restarted() { local p; p=$(sv_pid "api-$1"); [ "$p" != 0 ] && [ "$p" != "$2" ]; }
serves_again() { (($(hap_stat api "api$1" stot) > $2 + 20)); }

# crash VICTIM: kill -9 it; returns when the kill is done.
crash() {
  local victim=$1
  pid=$(sv_pid "api-$victim")
  [ "$pid" != 0 ] || fail "api-$victim is not running"
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

log "1. kill -9 api-2 under load"
crash 2
back_in_rotation 2 "$pid"

log "2. kill -9 api-3 under load, supervisord paused so it stays down"
kill -STOP "$supervisord_pid"
trap 'kill -CONT '"$supervisord_pid"' 2>/dev/null; e2e_cleanup' EXIT
crash 3
poll 5 "HAProxy to mark api3 DOWN" server_down api3
down_ms=$(($(now_ms) - t0))
log "HAProxy marked api3 DOWN $down_ms ms after the kill"
((down_ms <= 3000)) || fail "api3 left rotation after $down_ms ms (limit 3000 ms)"
# Requests go on, on the two others, while it is down.
before=$(frontend_requests)
poll 15 "load to go on while api3 is down" more_requests_than $((before + 100))
kill -CONT "$supervisord_pid"
back_in_rotation 3 "$pid"

load_stop keepalive 300
load_stop newconn 50
log "HAProxy: retries $(hap_stat api BACKEND wretr), redispatches $(hap_stat api BACKEND wredis)"
n5xx=$(haproxy_5xx)
[ "$n5xx" = 0 ] || fail "HAProxy logged $n5xx responses with status 5xx"
