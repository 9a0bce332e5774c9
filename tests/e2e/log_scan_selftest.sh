#!/usr/bin/env bash
# Self-test of the e2e log scan (e2e_scan_logs, lib.sh), on planted logs and
# without a cluster: a recorded secret anywhere in a log line is found, with
# the file and line and without printing the secret; a JWT's signature alone
# is found; a token-shaped string nobody recorded is found; clean logs pass.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

WORK=$(mktemp -d /tmp/tenantry-scan-selftest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
E2E_SECRETS_FILE=$WORK/secrets
mkdir -p "$WORK/log"
password=pw-$(openssl rand -hex 12)
jwt_sig=$(openssl rand -hex 24)
jwt=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlMmUifQ.$jwt_sig
e2e_secret "$password" "$jwt" short # "short" is below the 8-character floor

clean() {
  rm -f "$WORK"/log/*
  printf '{"ts":"t","level":"info","msg":"request","route":"/v1/me","status":200}\n' >"$WORK/log/api-1.log"
  printf '{"msg":"haproxy","path":"/v1/auth/token","status":200}\n' >"$WORK/log/haproxy.log"
  printf 'a short word in a line\n' >>"$WORK/log/api-1.log"
}

# expect_found WHAT PATTERN: the scan fails and its report matches PATTERN.
expect_found() {
  local out rc=0
  out=$(e2e_scan_logs "$E2E_SECRETS_FILE" "$WORK/log" 2>/dev/null) || rc=$?
  [ "$rc" -ne 0 ] || fail "the scan passed logs holding $1"
  grep -qE "$2" <<<"$out" || fail "the scan's report for $1 does not match '$2': $out"
  [[ $out != *"$password"* && $out != *"$jwt_sig"* ]] || fail "the scan's report prints the secret: $out"
  log "found $1: $out"
}

log "clean logs pass"
clean
e2e_scan_logs "$E2E_SECRETS_FILE" "$WORK/log" || fail "the scan failed clean logs"

log "a password inside a JSON line"
clean
printf '{"msg":"sign-in","detail":"x%sy"}\n' "$password" >>"$WORK/log/api-1.log"
expect_found "a recorded password" "api-1.log:3: a secret the test used \(pw-0?"

log "a JWT's signature without the rest of the token"
clean
printf '{"msg":"request","note":"%s"}\n' "$jwt_sig" >>"$WORK/log/haproxy.log"
expect_found "a token's signature" "haproxy.log:2: a secret the test used"

log "a bearer token that was never recorded"
clean
printf 'Authorization: Bearer %s\n' "$(openssl rand -hex 20)" >"$WORK/log/supervisord.log"
expect_found "an unrecorded bearer token" "supervisord.log:1: something shaped like a token"

log "a rotated log file (api-1.log.1) is scanned too"
clean
printf '%s\n' "$password" >"$WORK/log/api-1.log.1"
expect_found "a secret in a rotated log" "api-1.log.1:1: a secret"

log PASS
