#!/usr/bin/env bash
# E2E: malformed and hostile requests through HAProxy's HTTPS frontend, as
# raw bytes over TLS (socat), on anonymous and authenticated routes (with an
# owner's valid access token). Every one is answered 4xx, by a replica or
# by HAProxy, or (a request that never ends; a body over the limit, see
# there) gets a closed connection; never a 5xx. Each case states who answers
# and how (observed with HAProxy 2.6 and asserted exactly; "A|B" only where
# a known defect of the replica makes the answer vary, each explained):
#   api      the replica: a 4xx application/problem+json whose "status" is the
#            HTTP status (the replica's responses carry X-Content-Type-Options);
#   oauth    the replica's token endpoint: a 4xx application/json
#            {"error": ...}, as RFC 6749 5.2 prescribes;
#   haproxy  HAProxy refused the request before any replica saw it;
#   closed   no response at all.
# After the sweep every replica is still the same process, none logged a
# handler failure, HAProxy logged no 5xx, and a normal request succeeds.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
shopt -s lastpipe # `... | expect`: expect runs in this shell and counts

e2e_up 3
DIR=$TENANTRY_VAR/malformed
mkdir -p "$DIR"
pids() { echo "$(sv_pid api-1) $(sv_pid api-2) $(sv_pid api-3)"; }
PIDS_BEFORE=$(pids)
[[ " $PIDS_BEFORE " != *" 0 "* ]] || fail "a replica is not running before the sweep: $PIDS_BEFORE"

created=$(tenantryctl tenant create --slug malformed --name Malformed --owner-email owner@malformed.example) ||
  fail "tenantryctl tenant create failed"
TOKEN=$(e2e_sign_in malformed owner@malformed.example "$(sed -n 's/^password //p' <<<"$created")")
AUTH="Authorization: Bearer $TOKEN"$'\r\n'
FORM=$'Content-Type: application/x-www-form-urlencoded\r\n'
JSON=$'Content-Type: application/json\r\n'
USER=00000000-0000-4000-8000-00000000000b # well-formed, no such user

# request METHOD TARGET HEADERS BODY_FORMAT: a well-formed HTTP/1.1 request
# on stdout. HEADERS are whole header lines (CRLF-terminated); BODY_FORMAT is
# a printf format (so \x00 and \xff are raw bytes, and a literal % is %%);
# Content-Length counts the body's bytes.
request() {
  printf "$4" >"$DIR/body"
  printf '%s %s HTTP/1.1\r\nHost: tenantry.test\r\nConnection: close\r\n%s' "$1" "$2" "$3"
  [ ! -s "$DIR/body" ] || printf 'Content-Length: %d\r\n' "$(wc -c <"$DIR/body")"
  printf '\r\n'
  cat "$DIR/body"
}

# send FILE OUT: FILE's bytes to HAProxy over TLS (HTTP/1.1: socat offers no
# ALPN); the response in OUT. Sets GOT (see classify).
send() {
  socat -t 10 -T 20 - "OPENSSL:127.0.0.1:$TENANTRY_LB_HTTPS_PORT,verify=0" <"$1" >"$2" 2>/dev/null || true
  classify "$2"
}

# classify OUT: sets GOT to "STATUS ORIGIN" for the first response in OUT,
# or "closed" when there is none.
classify() {
  local head status ctype body
  if [ ! -s "$1" ]; then
    GOT=closed
    return
  fi
  head=$(LC_ALL=C sed -n '1,/^\r\?$/p' "$1" | tr -d '\r')
  status=$(awk 'NR == 1 {print $2}' <<<"$head")
  ctype=$(awk -F': *' 'tolower($1) == "content-type" {print tolower($2); exit}' <<<"$head")
  if ! grep -qi '^x-content-type-options: nosniff' <<<"$head"; then
    GOT="$status haproxy"
  elif [ "$ctype" = application/problem+json ]; then
    body=$(LC_ALL=C sed '1,/^\r\?$/d' "$1")
    # The problem's status is the response's.
    if [[ $body == *"\"status\":$status,"* || $body == *"\"status\":$status}"* ]]; then
      GOT="$status api"
    else
      GOT="$status api-with-a-bad-problem-body"
    fi
  elif [[ $ctype == application/json ]] && grep -q '^{"error":"[a-z_]*"}' <(LC_ALL=C sed '1,/^\r\?$/d' "$1"); then
    GOT="$status oauth"
  else
    GOT="$status api-not-problem+json($ctype)"
  fi
}

FAILURES=()
CASES=0
# expect NAME WANT: sends standard input as one connection's bytes; the
# answer must be WANT ("STATUS ORIGIN" or "closed"; "A|B" for either).
# Failures are collected and reported together at the end.
expect() {
  local name=$1 want=$2
  CASES=$((CASES + 1))
  cat >"$DIR/$name.req"
  send "$DIR/$name.req" "$DIR/$name.resp"
  if [[ "|$want|" == *"|$GOT|"* ]]; then
    log "ok   $name: $GOT"
  else
    log "FAIL $name: got '$GOT', want '$want'; first line: $(head -c 200 "$DIR/$name.resp" | head -n 1 | tr -d '\r')"
    FAILURES+=("$name: got '$GOT', want '$want'")
  fi
}

log "== NUL and invalid UTF-8: percent-encoded (the replica's input check) and raw"
request GET "/v1/users/%00" "$AUTH" "" | expect path-param-nul-encoded "400 api"
request GET "/v1/users/%ff%fe" "$AUTH" "" | expect path-param-bad-utf8-encoded "400 api"
request GET "/v1/users/%c0%af" "$AUTH" "" | expect path-param-overlong-utf8-encoded "400 api"
request GET "/v1/users/%0a" "$AUTH" "" | expect path-param-control-encoded "400 api"
request GET "/livez%00" "" "" | expect path-literal-nul-encoded "404 api"
request GET $'/v1/users/a\xffb' "$AUTH" "" | expect path-bad-utf8-raw "400 haproxy"
printf 'GET /v1/users/a\x00b HTTP/1.1\r\nHost: x\r\n%s\r\n' "$AUTH" | expect path-nul-raw "400 haproxy"
request GET "/livez?x=%00" "" "" | expect query-nul-encoded-anonymous "400 api"
request GET "/v1/users?x=%ff" "$AUTH" "" | expect query-bad-utf8-encoded "400 api"
request GET "/v1/users?%00=1" "$AUTH" "" | expect query-name-nul-encoded "400 api"
request GET "/v1/users?a%01b=1" "$AUTH" "" | expect query-name-control-encoded "400 api"
request GET $'/livez?x=\xff' "" "" | expect query-bad-utf8-raw "400 haproxy"
printf 'GET /livez?x=a\x00b HTTP/1.1\r\nHost: x\r\n\r\n' | expect query-nul-raw "400 haproxy"
request POST /v1/auth/token "$FORM" 'grant_type=password&tenant=malformed&username=owner%%40malformed.example&password=a%%00b' |
  expect form-nul-encoded "400 oauth"
request POST /v1/auth/token "$FORM" 'grant_type=password&tenant=malformed&username=%%ff&password=x' |
  expect form-bad-utf8-encoded "400 oauth"
request POST /v1/auth/token "$FORM" 'grant_type=password&tenant=malformed&username=a\x00b&password=x' |
  expect form-nul-raw "400 oauth"
request POST /v1/auth/token "$FORM" 'grant_type=password&tenant=\xc3\x28&username=a&password=x' |
  expect form-bad-utf8-raw "400 oauth"
request POST /v1/auth/revoke "$FORM" 'token=\xed\xa0\x80' | expect revoke-surrogate-raw "400 oauth"
request POST /v1/users "$AUTH$JSON" '{"email":"a\\u0000b@x.example","role":"member","password":"0123456789abc"}' |
  expect json-nul-escaped "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":"a@x.example","role":"member","password":"0123456789abc","x\\u0000":1}' |
  expect json-member-name-nul-escaped "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":"a\x00b@x.example","role":"member","password":"0123456789abc"}' |
  expect json-nul-raw "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":"a\xffb@x.example","role":"member","password":"0123456789abc"}' |
  expect json-bad-utf8-raw "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":"\\ud800@x.example","role":"member","password":"0123456789abc"}' |
  expect json-lone-surrogate-escaped "400 api"
request POST /v1/service-accounts "$AUTH$JSON" '{"name":"a\\u0007b","role":"member"}' |
  expect json-control-in-name "400 api"

log "== bad percent-encodings: kept literally, so no id, no grant, no user matches"
request GET "/v1/users/%zz" "$AUTH" "" | expect path-param-percent-zz "404 api"
request GET "/v1/users/%4" "$AUTH" "" | expect path-param-percent-truncated "404 api"
request GET "/v1/users/%" "$AUTH" "" | expect path-param-percent-alone "404 api"
request GET "/v1/%75sers/$USER" "$AUTH" "" | expect path-literal-percent-encoded "404 api"
request GET "/v1/test/sleep?ms=%zz" "" "" | expect test-route-through-haproxy "404 haproxy"
request POST /v1/auth/token "$FORM" 'grant_type=%%zz' | expect form-percent-zz "400 oauth"
request POST /v1/auth/token "$FORM" 'grant_type=password%%4' | expect form-percent-truncated "400 oauth"

log "== framing: sizes, lengths, chunks"
# HAProxy's buffer (16 KiB, less its rewrite reserve) is smaller than the
# replicas' 16 KiB header limit: HAProxy refuses first.
big=$(head -c 20000 /dev/zero | tr '\0' a)
request GET /livez "X-Big: $big"$'\r\n' "" | expect huge-header "400 haproxy"
many=
for i in $(seq 1 150); do many+="X-H$i: v"$'\r\n'; done
request GET /livez "$many" "" | expect too-many-headers "400 haproxy"
request GET "/livez?$big" "" "" | expect request-line-too-long "400 haproxy"
# A body over the replicas' 1 MiB limit: the replica refuses it, on an
# anonymous and an authenticated route, sized and chunked. "|closed": the
# replica closes its socket right after the 413 while the rest of the body is
# still arriving (no lingering close), so the kernel resets the connection
# and HAProxy loses the 413 about one time in three (logged status -1,
# termination SD). A defect of the replica, reported; never a 5xx.
{
  printf 'POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%sContent-Length: 1100000\r\n\r\n' "$FORM"
  head -c 1100000 /dev/zero | tr '\0' a
} | expect body-too-large-anonymous "413 api|closed"
{
  printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%sContent-Length: 1100000\r\n\r\n' "$AUTH" "$JSON"
  head -c 1100000 /dev/zero | tr '\0' a
} | expect body-too-large-authenticated "413 api|closed"
{
  printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%sTransfer-Encoding: chunked\r\n\r\n' "$AUTH" "$JSON"
  for i in $(seq 1 20); do printf '10000\r\n'; head -c 65536 /dev/zero | tr '\0' a; printf '\r\n'; done
  printf '0\r\n\r\n'
} | expect body-too-large-chunked "413 api|closed"
# The same with "Expect: 100-continue" (curl waits for the answer before
# sending the body): the replica refuses the declared length from the header
# alone, nothing unread is left behind, and the 413 always arrives.
CASES=$((CASES + 1))
head -c 1100000 /dev/zero | tr '\0' a >"$DIR/big.body"
curl -sik --http1.1 -m 20 --expect100-timeout 15 -H 'Expect: 100-continue' -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' --data-binary @"$DIR/big.body" -o "$DIR/expect-continue.resp" \
  "$HTTPS/v1/users" || true
classify "$DIR/expect-continue.resp"
if [ "$GOT" = "413 api" ]; then
  log "ok   body-too-large-expect-continue: $GOT"
else
  log "FAIL body-too-large-expect-continue: got '$GOT', want '413 api'"
  FAILURES+=("body-too-large-expect-continue: got '$GOT', want '413 api'")
fi
# Fewer bytes than Content-Length, then the client stops sending: nobody
# can answer a request that never ends; HAProxy closes.
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sContent-Length: 100\r\n\r\n{"a":1}' "$AUTH" "$JSON" |
  expect content-length-longer-than-body "closed"
# More bytes than Content-Length: the request is its first 7 bytes (not a
# JSON object); the rest would be the next request, after Connection: close.
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%sContent-Length: 7\r\n\r\n{"a":1}{"email":"x"}' "$AUTH" "$JSON" |
  expect content-length-shorter-than-body "400 api"
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sContent-Length: 7\r\nContent-Length: 8\r\n\r\n{"a":1} ' "$AUTH" "$JSON" |
  expect content-length-twice-differing "400 haproxy"
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sContent-Length: -1\r\n\r\n' "$AUTH" "$JSON" |
  expect content-length-negative "400 haproxy"
# Both: Transfer-Encoding wins (RFC 9112 6.3); the chunked body is "[]".
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n' "$AUTH" "$JSON" |
  expect content-length-and-chunked "400 api"
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n' "$AUTH" "$JSON" |
  expect chunk-size-not-hex "400 haproxy"
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sTransfer-Encoding: chunked\r\n\r\n5\r\n[]\r\n0\r\n\r\n' "$AUTH" "$JSON" |
  expect chunk-shorter-than-its-size "400 haproxy"
# A transfer coding HAProxy does not implement: 422 from HAProxy.
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n' "$AUTH" "$JSON" |
  expect transfer-encoding-gzip "422 haproxy"
printf 'POST /v1/users HTTP/1.1\r\nHost: x\r\n%s%sTransfer-Encoding: identity\r\n\r\n[]' "$AUTH" "$JSON" |
  expect transfer-encoding-not-chunked "400 haproxy"

log "== bodies on JSON routes: content type, syntax, depth, shape"
valid_user='{"email":"new@malformed.example","role":"member","password":"0123456789abc"}'
request POST /v1/users "$AUTH"$'Content-Type: text/plain\r\n' "$valid_user" | expect json-as-text-plain "400 api"
request POST /v1/users "$AUTH" "$valid_user" | expect json-without-content-type "400 api"
request POST /v1/users "$AUTH$FORM" "$valid_user" | expect json-as-form "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":' | expect json-truncated "400 api"
request POST /v1/users "$AUTH$JSON" "{'email':'x'}" | expect json-single-quotes "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":"a@x.example",}' | expect json-trailing-comma "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":"a@x.example"} {}' | expect json-two-values "400 api"
deep=$(printf '%.0s[' $(seq 1 5000))
request POST /v1/users "$AUTH$JSON" "$deep" | expect json-deeply-nested-array "400 api"
deep_obj=$(printf '%.0s{"a":' $(seq 1 2000))
request POST /v1/users "$AUTH$JSON" "$deep_obj" | expect json-deeply-nested-object "400 api"
request POST /v1/users "$AUTH$JSON" "[$valid_user]" | expect json-array-body "400 api"
request POST /v1/users "$AUTH$JSON" '"new@malformed.example"' | expect json-string-body "400 api"
request POST /v1/users "$AUTH$JSON" '42' | expect json-number-body "400 api"
request POST /v1/users "$AUTH$JSON" 'null' | expect json-null-body "400 api"
request PATCH "/v1/users/$USER" "$AUTH$JSON" '{"role":["owner"]}' | expect json-wrong-field-type "400 api"
request POST /v1/users "$AUTH$JSON" '{"email":"a@x.example","role":"member","password":"0123456789abc","email":"b@x.example","email":7}' |
  expect json-duplicate-member "400 api"

log "== forms: repeated fields (RFC 6749 3.2), wrong content type"
request POST /v1/auth/token "$FORM" 'grant_type=password&grant_type=client_credentials' | expect form-repeated-field "400 oauth"
request POST /v1/auth/revoke "$FORM" 'token=a&token=b' | expect revoke-repeated-field "400 oauth"
request POST /v1/auth/token "$JSON" '{"grant_type":"password"}' | expect token-with-json "400 oauth"
request POST /v1/auth/token "" 'grant_type=password' | expect token-without-content-type "400 oauth"

log "== methods, versions, request targets, header syntax"
request BREW /livez "" "" | expect unknown-method-on-route "405 api"
request FOO /v1/nothing "" "" | expect unknown-method-no-route "404 api"
request get /livez "" "" | expect lower-case-method "405 api"
request PATCH /v1/users "$AUTH" "" | expect method-not-allowed-authenticated "405 api"
printf 'G(T /livez HTTP/1.1\r\nHost: x\r\n\r\n' | expect method-with-separator "400 haproxy"
printf 'GET /livez?x=%%00 HTTP/1.0\r\n\r\n' | expect http10-bad-query "400 api"
printf 'GET /v1/users HTTP/1.0\r\n\r\n' | expect http10-no-token "401 api"
printf 'GET /livez\r\n\r\n' | expect http09-request-line "400 haproxy"
# HAProxy forwards these as HTTP/1.1 requests: no token, so 401.
printf 'GET /v1/users HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n' | expect http20-on-http1 "401 api"
printf 'GET /livez HTTP/1.1 extra\r\nHost: x\r\n\r\n' | expect request-line-extra-token "400 haproxy"
# Absolute-form: HAProxy refuses an authority that is not the Host, and
# passes the others on unchanged. The replica routes only origin-form
# targets, so today an absolute-form request is 404 whatever its path
# (RFC 9112 3.2.2 says a server must accept it; reported): "400 api" is the
# answer once it is routed.
printf 'GET https://evil.example/v1/users/%%00 HTTP/1.1\r\nHost: tenantry.test\r\nConnection: close\r\n%s\r\n' "$AUTH" |
  expect absolute-form-host-mismatch "400 haproxy"
printf 'GET https://tenantry.test/v1/users/%%00 HTTP/1.1\r\nHost: tenantry.test\r\nConnection: close\r\n%s\r\n' "$AUTH" |
  expect absolute-form-bad-param "400 api|404 api"
printf 'GET http://tenantry.test/v1/nothing HTTP/1.1\r\nHost: tenantry.test\r\nConnection: close\r\n\r\n' |
  expect absolute-form-no-route "404 api"
printf 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | expect asterisk-form-get "404 api"
printf 'GET /livez HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n' | expect header-name-with-space "400 haproxy"
printf 'GET /livez HTTP/1.1\r\nHost : x\r\n\r\n' | expect space-before-colon "400 haproxy"
# HAProxy unfolds an obsolete line folding (RFC 9112 5.2 lets a proxy
# replace it with spaces) and passes it on: no token, so 401.
printf 'GET /v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: a\r\n folded\r\n\r\n' |
  expect obsolete-line-folding "401 api"
# HAProxy passes a NUL in a header value on; the replica's parser refuses it.
printf 'GET /livez HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n' | expect header-value-nul "400 api"
printf 'GET /livez HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n' | expect header-without-colon "400 haproxy"
printf 'GET /v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s\r\n' "$AUTH" "$AUTH" | expect two-authorization-headers "401 api"
printf 'GET /v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer %s.x\r\n\r\n' "$TOKEN" |
  expect token-with-bad-signature "401 api"
printf '\x16\x03\x01\x00\x05hello\r\n\r\n' | expect tls-bytes-inside-tls "400 haproxy"

log "swept $CASES cases"
((${#FAILURES[@]} == 0)) || {
  printf '  %s\n' "${FAILURES[@]}" >&2
  fail "${#FAILURES[@]} of $CASES malformed requests were not answered as expected (above)"
}

log "== after the sweep: the same replicas, no handler failure, no 5xx, and they serve"
PIDS_AFTER=$(pids)
[ "$PIDS_AFTER" = "$PIDS_BEFORE" ] || fail "replica pids changed during the sweep: $PIDS_BEFORE -> $PIDS_AFTER"
for i in 1 2 3; do
  [ "$(sv_state "api-$i")" = RUNNING ] || fail "api-$i is $(sv_state "api-$i") after the sweep"
done
failed=$(grep -hE '"msg":"(handler failed|session failed)"' "$TENANTRY_VAR"/log/api-*.log || true)
[ -z "$failed" ] || fail "a replica logged a failure during the sweep: $failed"
fivexx=$(grep -h '"msg":"haproxy"' "$TENANTRY_VAR"/log/haproxy.log* | grep -cE '"status":5[0-9][0-9],' || true)
[ "$fivexx" = 0 ] || fail "HAProxy logged $fivexx responses with a 5xx status: $(grep -hE '"status":5[0-9][0-9],' "$TENANTRY_VAR"/log/haproxy.log* | head -n 5)"
for i in 1 2 3 4 5 6; do # round robin: every replica answers one
  code=$(curl -sk -o /dev/null -m 10 -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$HTTPS/v1/users")
  [ "$code" = 200 ] || fail "GET /v1/users with the owner's token answered $code after the sweep"
done
log "replicas $PIDS_AFTER still serving; $CASES cases answered as expected"
