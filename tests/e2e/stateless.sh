#!/usr/bin/env bash
# E2E: no stickiness. Consecutive requests, each on a new connection, are
# spread over every replica (HAProxy's per-server counters and the replicas'
# own logs agree), even when a client sends a cookie or the same tenant-like
# header every time.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

N=30
REPLICAS=3
e2e_up $REPLICAS

declare -A before
for i in $(seq 1 $REPLICAS); do before[$i]=$(hap_stat api "api$i" stot); done

tag="e2e-stateless-$RANDOM"
for ((k = 1; k <= N; k++)); do
  code=$(curl -sk -o /dev/null -m 5 -w '%{http_code}' -H "X-Request-ID: $tag-$k" \
    -H 'Cookie: SERVERID=api1; session=abc' -H 'X-Tenant-ID: tenant-1' "$HTTPS/v1/ping") || true
  [ "$code" = 200 ] || fail "request $k answered '$code'"
done

logged_all() { (($(cat "$TENANTRY_VAR"/log/api-*.log | grep -c "\"request_id\":\"$tag-") >= N)); }
poll 10 "the replicas to log all $N requests" logged_all

dist=''
for i in $(seq 1 $REPLICAS); do
  got=$(($(hap_stat api "api$i" stot) - before[$i]))
  logged=$(grep -c "\"request_id\":\"$tag-" "$TENANTRY_VAR/log/api-$i.log" || true)
  dist+=" api$i=$got(logged $logged)"
  ((got >= N / REPLICAS / 2)) || fail "api$i got $got of $N requests: not spread over every replica ($dist)"
  [ "$logged" = "$got" ] || fail "api$i: HAProxy counted $got requests, its log has $logged ($dist)"
done
log "$N requests on new connections:$dist"
