#!/usr/bin/env bash
# E2E: access-token keys rotate without downtime. `up` made a signing key and
# a JWKS; tokens it signs are accepted by every replica. After `tenantryctl
# keys rotate`, tokens of the old key and of the new one are both accepted by
# every replica; after `keys retire` of the old key, every replica refuses
# the old key's tokens within the documented bound (TENANTRY_JWKS_CHECK_MS,
# 1 s, plus one request), while the new key's tokens keep working. No
# replica restarts.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 2
KEYS=$TENANTRY_VAR/secrets/keys
ctl_keys() { own_env "$TENANTRY_BUILD_DIR/bin/tenantryctl" keys "$@"; }
TENANT=$(e2e_tenant rotation)
mint() { tenantryctl token mint --dir "$KEYS" --tenant "$TENANT" --subject e2e-user --roles member; } # recorded as a secret
# me_code TOKEN PORT: /v1/me on one replica directly.
me_code() {
  curl -s -o /dev/null -m 5 -w '%{http_code}' -H "Authorization: Bearer $1" \
    "http://127.0.0.1:$2/v1/me" 2>/dev/null || true
}
every_replica_says() { # CODE TOKEN
  local i
  for i in 1 2; do [ "$(me_code "$2" "$(api_port "$i")")" = "$1" ] || return 1; done
}
pids() { echo "$(sv_pid api-1) $(sv_pid api-2)"; }

[ -s "$KEYS/signing-key.pem" ] && [ -s "$KEYS/jwks.json" ] || fail "up did not make the signing key and JWKS in $KEYS"
[ "$(stat -c %a "$KEYS/signing-key.pem")" = 600 ] || fail "the signing key is not mode 600"
before=$(pids)
old_kid=$(ctl_keys list --dir "$KEYS" | awk '{print $1}')
old_token=$(mint)
every_replica_says 200 "$old_token" || fail "a token of the key made by up is refused"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $old_token" "$HTTPS/v1/me")
[ "$code" = 200 ] || fail "through HAProxy, /v1/me with a valid token answered $code"
every_replica_says 401 "not-a-token" || fail "a garbage token was not refused with 401"

log "rotate: both keys are accepted"
ctl_keys rotate --dir "$KEYS" | sed 's/^/    rotate| /'
new_token=$(mint)
every_replica_says 200 "$new_token" || fail "a token of the new key is refused after rotate"
every_replica_says 200 "$old_token" || fail "a token of the old key is refused after rotate"

log "retire the old key: its tokens are refused everywhere within the bound"
start=$(now_ms)
ctl_keys retire --dir "$KEYS" --kid "$old_kid" | sed 's/^/    retire| /'
poll 5 "every replica to refuse the retired key's token" every_replica_says 401 "$old_token"
took=$(($(now_ms) - start))
log "the retired key's token was refused by every replica ${took} ms after retire (bound: 1000 ms + one request)"
((took <= 3000)) || fail "refusing the retired key took ${took} ms"
every_replica_says 200 "$new_token" || fail "the new key's token is refused after retiring the old key"
[ "$(pids)" = "$before" ] || fail "replicas restarted during the rotation: $before -> $(pids)"
log "ok"
