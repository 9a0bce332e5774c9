#!/usr/bin/env bash
# E2E: `./tenantry scale api=4` then `api=2` under load (keep-alive and new
# connections; anonymous GET /v1/ping from wrk, and authenticated reads and
# idempotent PATCH writes, each with its own X-Request-ID): no failed
# request, every write in the audit log exactly once, and HAProxy and
# supervisord end up with exactly the replicas asked for.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3
mixed_setup
load_start keepalive -c4 "$HTTPS/v1/ping"
load_start newconn -c2 -H 'Connection: close' "$HTTPS/v1/ping"
mixed_start mixed --keep-alive 3 --new-conn 1 --rate 40

programs() { ctl status 2>/dev/null | awk '$1 ~ /^api-/ {print $1}' | sort | tr '\n' ' ' | sed 's/ $//'; }

# expect N: HAProxy's servers, supervisord's programs and cluster.env agree on N.
expect() {
  local n=$1 want_servers want_programs i
  want_servers=$(for ((i = 1; i <= n; i++)); do echo "api$i"; done | sort | tr '\n' ' ' | sed 's/ $//')
  want_programs=$(for ((i = 1; i <= n; i++)); do echo "api-$i"; done | sort | tr '\n' ' ' | sed 's/ $//')
  [ "$(hap_servers)" = "$want_servers" ] || fail "HAProxy has servers '$(hap_servers)', expected '$want_servers'"
  [ "$(programs)" = "$want_programs" ] || fail "supervisord has '$(programs)', expected '$want_programs'"
  for ((i = 1; i <= n; i++)); do
    server_is "api$i" UP || fail "api$i is $(hap_status "api$i") in HAProxy"
    [ "$(sv_state "api-$i")" = RUNNING ] || fail "api-$i is $(sv_state "api-$i")"
  done
  grep -qx "API_REPLICAS=$n" "$TENANTRY_VAR/cluster.env" || fail "cluster.env does not record API_REPLICAS=$n"
  log "HAProxy servers: $(hap_servers); programs: $(programs)"
}

for n in 4 2; do
  t0=$(now_ms)
  if ! tenantry scale "api=$n" 2>&1 | sed 's/^/    scale| /'; then fail "./tenantry scale api=$n failed"; fi
  log "scale api=$n took $(($(now_ms) - t0)) ms"
  expect "$n"
  before=$(frontend_requests)
  mixed_before=$(mixed_answered mixed)
  poll 20 "load to go on after scale api=$n" more_requests_than $((before + 100))
  poll 20 "the mixed load to go on after scale api=$n" mixed_answered_more_than mixed $((mixed_before + 100))
done
tenantry scale api=2 | grep -q 'already 2' || fail "scale to the current count did not say so"

load_stop keepalive 300
load_stop newconn 50
mixed_stop mixed strict 50
n5xx=$(haproxy_5xx)
[ "$n5xx" = 0 ] || fail "HAProxy logged $n5xx responses with status 5xx"
# The removed replicas' ports are free again.
for i in 3 4; do
  [ -z "$(ss -Hltn "sport = :$(api_port "$i")")" ] || fail "port $(api_port "$i") of removed api-$i is still listening"
done
