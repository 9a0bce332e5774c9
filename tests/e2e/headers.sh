#!/usr/bin/env bash
# E2E: what HAProxy does to headers. A client's X-Forwarded-For is not
# trusted (the replica logs the real peer); a valid client X-Request-ID comes
# back unchanged and is in the replica's and HAProxy's log lines; an invalid
# or missing one is replaced by a generated id, a different one per request;
# plain HTTP answers 301 to HTTPS on the configured public host, whatever the
# Host header says; HTTPS responses carry HSTS; the replicas' test-only
# routes are refused by HAProxy; maxconn is what the settings say.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

export TENANTRY_PUBLIC_HOST=tenantry.test TENANTRY_HAPROXY_MAXCONN=1234 TENANTRY_HAPROXY_SERVER_MAXCONN=77
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

log "plain HTTP redirects to HTTPS on TENANTRY_PUBLIC_HOST, whatever the Host header"
want="https://tenantry.test:$TENANTRY_LB_HTTPS_PORT/v1/ping?a=1"
for host in "" "evil.example" "evil.example:$TENANTRY_LB_HTTPS_PORT" "tenantry.test.evil.example"; do
  resp=$(curl -s -o /dev/null -D - -m 5 ${host:+-H "Host: $host"} "http://127.0.0.1:$TENANTRY_LB_HTTP_PORT/v1/ping?a=1")
  code=$(awk 'NR == 1 {print $2}' <<<"$resp")
  location=$(awk 'tolower($1) == "location:" {print $2}' <<<"$resp" | tr -d '\r')
  [ "$code" = 301 ] || fail "HTTP with Host '${host:-curl default}' answered $code, not 301"
  [ "$location" = "$want" ] || fail "HTTP with Host '${host:-curl default}' redirects to '$location', not $want"
  log "Host '${host:-curl default}': 301 -> $location"
done
# HTTP/1.0 without any Host header.
location=$(printf 'GET /x HTTP/1.0\r\n\r\n' | socat -t 5 - "TCP:127.0.0.1:$TENANTRY_LB_HTTP_PORT" |
  awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
[ "$location" = "https://tenantry.test:$TENANTRY_LB_HTTPS_PORT/x" ] || fail "HTTP/1.0 without Host redirects to '$location'"

log "the replicas' test-only routes: served by a replica, refused by HAProxy"
[ "$(http_code "http://127.0.0.1:$(api_port 1)/v1/test/noop")" = 200 ] ||
  fail "api-1 does not serve /v1/test/noop directly (the e2e cluster enables test endpoints)"
haproxy_refused() { grep "\"request_id\":\"$1\"" "$TENANTRY_VAR/log/haproxy.log" | grep -q '"server":"<NOSRV>"'; }
for path in "/v1/test/sleep?ms=1" /v1/test/noop /v1/test/noop-authenticated //v1//test/noop /V1/Test/noop /v1/test; do
  request "$HTTPS$path"
  [ "$CODE" = 404 ] || fail "GET $path through HAProxy answered $CODE, not 404"
  poll 5 "HAProxy's log line for $path (request $RID) to show it answered itself" haproxy_refused "$RID"
  [ -z "$(replica_log_line "$RID")" ] || fail "GET $path reached a replica: $(replica_log_line "$RID")"
done
request "$HTTPS/v1/%74est/noop" # the replicas do not decode the path: no route either
[ "$CODE" = 404 ] || fail "GET /v1/%74est/noop through HAProxy answered $CODE, not 404"
log "every /v1/test/ path answered 404 by HAProxy itself"

log "maxconn: global and per replica, as set"
maxconn=$(hap "show info" | awk -F': ' '$1 == "Maxconn" {print $2}')
[ "$maxconn" = 1234 ] || fail "HAProxy's Maxconn is '$maxconn', not TENANTRY_HAPROXY_MAXCONN=1234"
for s in api1 api2 api3; do
  slim=$(hap_stat api "$s" slim)
  [ "$slim" = 77 ] || fail "$s's maxconn (slim) is '$slim', not TENANTRY_HAPROXY_SERVER_MAXCONN=77"
done
log "Maxconn $maxconn, each replica's $slim"
