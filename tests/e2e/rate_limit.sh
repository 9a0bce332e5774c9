#!/usr/bin/env bash
# E2E: rate limits are centralized. Three replicas behind HAProxy; tenant A
# is on the free plan, set to 20 requests/s with a burst of 20, and sends
# 100 requests/s for 10 s, spread by HAProxy over every replica: the
# accepted count must be within 10% of 20 x 10 + 20 = 220, as if one process
# decided. Tenant B, on the pro plan, sending 10 requests/s at the same
# time, is unaffected: all succeed.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3
# Plans are data: set before the first request, no restart needed. Users
# get the tenant's whole budget here, so only the tenant limit decides.
tenantryctl plan set free --tenant-rps 20 --tenant-burst 20 --user-rps 1000 --user-burst 1000 ||
  fail "tenantryctl plan set failed"
KEYS=$TENANTRY_VAR/secrets/keys
token() { tenantryctl token mint --dir "$KEYS" --tenant "$1" --subject e2e --roles member; }
A=$(token "$(e2e_tenant tenant-a free)")
B=$(token "$(e2e_tenant tenant-b pro)")
out=$(mktemp -d "$TENANTRY_VAR/rate.XXXXXX")

log "tenant A: 1000 requests at 100/s; tenant B: 100 requests at 10/s, at the same time"
curl -sk --rate 100/s -H "Authorization: Bearer $A" -o /dev/null -w '%{http_code}\n' \
  "$HTTPS/v1/me?n=[1-1000]" >"$out/a" &
pid_a=$!
curl -sk --rate 10/s -H "Authorization: Bearer $B" -o /dev/null -w '%{http_code}\n' \
  "$HTTPS/v1/me?n=[1-100]" >"$out/b" &
pid_b=$!
wait "$pid_a" "$pid_b" || fail "curl failed"

a_ok=$(grep -c '^200$' "$out/a" || true)
a_limited=$(grep -c '^429$' "$out/a" || true)
b_ok=$(grep -c '^200$' "$out/b" || true)
log "tenant A: $a_ok accepted, $a_limited refused with 429 (expected 220 +/- 10%); tenant B: $b_ok of 100 accepted"
((a_ok + a_limited == 1000)) || fail "tenant A got answers other than 200 and 429: $(sort "$out/a" | uniq -c | tr '\n' ' ')"
((a_ok >= 198 && a_ok <= 242)) || fail "tenant A had $a_ok requests accepted, outside 198..242"
((b_ok == 100)) || fail "tenant B had only $b_ok of 100 requests accepted"

# Every replica took part in the decisions (HAProxy spreads requests).
for i in 1 2 3; do
  n=$(curl -s "http://127.0.0.1:$(admin_port "$i")/metrics" |
    sed -n 's/^tenantry_ratelimit_decisions_total{policy="tenant",result="limited"} //p')
  log "api-$i refused ${n:-0}"
  [ "${n:-0}" != 0 ] || fail "api-$i refused nothing: requests were not spread, or it decided alone"
done
log "ok"
