#!/usr/bin/env bash
# E2E: what HAProxy does to headers. A client's X-Forwarded-For is not
# trusted (the replica logs the real peer); a valid client X-Request-ID comes
# back unchanged and is in the replica's and HAProxy's log lines; an invalid
# or missing one is replaced by a generated id, a different one per request;
# plain HTTP answers 301 to HTTPS; HTTPS responses carry HSTS.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3

# request ARGS...: GET through HAProxy; sets CODE and RID (response X-Request-ID) and HEADERS.
request() {
  HEADERS=$(curl -sk -o /dev/null -D - -m 5 "$@") || fail "curl $* failed"
  CODE=$(awk 'NR == 1 {print $2}' <<<"$HEADERS")
  RID=$(awk 'tolower($1) == "x-request-id:" {print $2}' <<<"$HEADERS" | tr -d '\r')
}
valid_id() { [[ $1 =~ ^[A-Za-z0-9._:-]{1,128}$ ]]; }
json_field() { sed -n 's/.*"'"$2"'":"\([^"]*\)".*/\1/p' <<<"$1"; }
haproxy_logged() { grep -q "\"request_id\":\"$1\"" "$TENANTRY_VAR/log/haproxy.log"; }

log "client X-Request-ID and a spoofed X-Forwarded-For"
sent="e2e-hdr-$RANDOM$RANDOM.x:y"
request "$HTTPS/v1/ping" -H "X-Request-ID: $sent" -H 'X-Forwarded-For: 203.0.113.7' \
  -H 'X-Forwarded-Proto: http' -H 'Forwarded: for=203.0.113.7'
[ "$CODE" = 200 ] || fail "GET /v1/ping answered $CODE"
[ "$RID" = "$sent" ] || fail "X-Request-ID came back as '$RID', sent '$sent'"
poll 5 "a replica's log line for request $sent" has_replica_log_line "$sent"
line=$(replica_log_line "$sent")
log "replica logged: $line"
remote=$(json_field "$line" remote)
[ "$remote" = 127.0.0.1 ] || fail "the replica logged remote '$remote' for a spoofed X-Forwarded-For (expected 127.0.0.1)"
[[ $line != *203.0.113.7* ]] || fail "the spoofed address reached the replica's log: $line"
poll 5 "HAProxy's log line for request $sent" haproxy_logged "$sent"

log "HSTS on HTTPS responses"
grep -qi '^strict-transport-security: max-age=[1-9]' <<<"$HEADERS" || fail "no Strict-Transport-Security header: $HEADERS"

log "no X-Request-ID: a generated one, different per request, in both logs"
request "$HTTPS/v1/ping"
first=$RID
valid_id "$first" || fail "generated X-Request-ID '$first' is not a valid id"
request "$HTTPS/v1/ping"
second=$RID
valid_id "$second" || fail "generated X-Request-ID '$second' is not a valid id"
[ "$first" != "$second" ] || fail "two requests got the same generated id $first"
poll 5 "a replica's log line for generated id $first" has_replica_log_line "$first"
poll 5 "HAProxy's log line for generated id $first" haproxy_logged "$first"
log "generated ids: $first, $second"

log "invalid or duplicated X-Request-ID: replaced"
long=$(printf 'a%.0s' {1..129})
for bad in "has space" "a,b" "$long" 'semi;colon' 'quote"d'; do
  request "$HTTPS/livez" -H "X-Request-ID: $bad"
  [ "$RID" != "$bad" ] && valid_id "$RID" || fail "invalid X-Request-ID '$bad' came back as '$RID'"
done
request "$HTTPS/livez" -H "X-Request-ID: one" -H "X-Request-ID: two"
[ "$RID" != one ] && [ "$RID" != two ] && valid_id "$RID" || fail "two X-Request-ID headers came back as '$RID'"
edge=$(printf 'b%.0s' {1..128})
request "$HTTPS/v1/ping" -H "X-Request-ID: $edge" # health probes are not access-logged
[ "$RID" = "$edge" ] || fail "a 128-character X-Request-ID came back as '$RID' (${#RID} characters)"
poll 5 "a replica's log line with the 128-character id" has_replica_log_line "$edge"

log "plain HTTP redirects to HTTPS"
resp=$(curl -s -o /dev/null -D - -m 5 "http://127.0.0.1:$TENANTRY_HTTP_PORT/v1/ping?a=1")
code=$(awk 'NR == 1 {print $2}' <<<"$resp")
location=$(awk 'tolower($1) == "location:" {print $2}' <<<"$resp" | tr -d '\r')
[ "$code" = 301 ] || fail "HTTP answered $code, not 301"
[ "$location" = "https://127.0.0.1:$TENANTRY_HTTPS_PORT/v1/ping?a=1" ] || fail "HTTP redirects to '$location'"
log "HTTP 301 -> $location"
