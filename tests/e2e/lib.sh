# Shared helpers of the end-to-end tests (sourced, not run). Each test gets
# its own cluster through ./tenantry: a temporary TENANTRY_VAR, free random
# loopback ports, the binary CTest built (TENANTRY_BUILD_DIR), test endpoints
# on. The cluster is torn down and the directory removed when the test exits;
# on failure the logs' tails are printed first. A test never skips: a service
# that does not start is a failure. Before the directory goes, every log line
# the cluster wrote is searched for the secrets the test used (e2e_secret):
# one found fails the test.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

E2E_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
E2E_NAME=$(basename -- "$0" .sh)
TENANTRY=$E2E_ROOT/tenantry
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

export TENANTRY_BUILD_DIR=${TENANTRY_BUILD_DIR:-$E2E_ROOT/build/release}
export TENANTRY_SKIP_BUILD=1
export TENANTRY_ENABLE_TEST_ENDPOINTS=1
export TENANTRY_DRAIN_DELAY_MS=${E2E_DRAIN_DELAY_MS:-2000}
export TENANTRY_WAIT_SECS=${TENANTRY_WAIT_SECS:-60}
# A variable of the project's prefixes that nothing reads stops ./tenantry
# (exit 2) instead of being ignored: a test cannot pass on a misspelling.
export TENANTRY_STRICT_CONFIG=1
# Settings of a developer's own cluster must not leak into the test's.
unset TENANTRY_VAR TENANTRY_LB_ADDR TENANTRY_THREADS TENANTRY_SHUTDOWN_TIMEOUT_MS \
  TENANTRY_IDLE_TIMEOUT_MS TENANTRY_READ_TIMEOUT_MS TENANTRY_MAX_HEADER_BYTES \
  TENANTRY_MAX_BODY_BYTES TENANTRY_MAX_INFLIGHT TENANTRY_PUBLIC_HOST TENANTRY_HAPROXY_MAXCONN \
  TENANTRY_HAPROXY_SERVER_MAXCONN TENANTRY_HTTP_PORT TENANTRY_HTTPS_PORT

E2E_BG_PIDS=()
E2E_CLEANUP_HOOKS=() # commands e2e_cleanup runs first
declare -A E2E_LOAD=()

log() { printf '[%s %s] %s\n' "$(date +%T)" "$E2E_NAME" "$*"; }
fail() {
  printf '[%s %s] FAIL: %s\n' "$(date +%T)" "$E2E_NAME" "$*" >&2
  exit 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# poll SECS WHAT CMD...: run CMD every 0.1 s until it succeeds; fail the test
# naming WHAT after SECS seconds.
poll() {
  local secs=$1 what=$2 deadline
  shift 2
  deadline=$(($(now_ms) + secs * 1000))
  until "$@" >/dev/null; do
    (($(now_ms) < deadline)) || fail "timed out after ${secs}s waiting for $what"
    sleep 0.1
  done
}

# ---------------------------------------------------------------- ports

E2E_PORTS=" "
port_free() {
  [[ $E2E_PORTS != *" $1 "* ]] && [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# free_ports COUNT: the first of COUNT consecutive free ports, chosen at
# random below the kernel's ephemeral range (so no outgoing connection can
# hold one) and above 20000.
free_ports() {
  local count=$1 low high p i ok tries
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  high=$((low > 21000 ? low - 1 : 32000))
  for ((tries = 0; tries < 500; tries++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % (high - 20000 - count)))
    ok=1
    for ((i = 0; i < count; i++)); do port_free $((p + i)) || { ok=0; break; }; done
    if ((ok)); then
      echo "$p"
      return 0
    fi
  done
  fail "found no $count free consecutive ports in 20000..$high"
}

# ---------------------------------------------------------------- cluster

# e2e_up [REPLICAS]: an isolated cluster, up and healthy.
e2e_up() {
  [ -x "$TENANTRY_BUILD_DIR/bin/tenantry-api" ] ||
    fail "no tenantry-api at $TENANTRY_BUILD_DIR/bin (TENANTRY_BUILD_DIR is set by CTest; build first)"
  export API_REPLICAS=${1:-3}
  TENANTRY_VAR=$(mktemp -d /tmp/tenantry-e2e.XXXXXX)
  export TENANTRY_VAR
  chmod 755 "$TENANTRY_VAR" # PostgreSQL runs as nobody when we are root
  E2E_SECRETS_FILE=$TENANTRY_VAR/e2e-secrets # not under log/: what the scan looks for
  (umask 077 && : >"$E2E_SECRETS_FILE")
  trap e2e_cleanup EXIT
  # free_ports runs in a subshell: the caller records what it chose.
  local p i
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_LB_HTTPS_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_LB_HTTP_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_HAPROXY_STATS_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_PG_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_REDIS_PORT=$p
  p=$(free_ports 9); for i in {0..8}; do E2E_PORTS+="$((p + i)) "; done
  export TENANTRY_API_PORT_BASE=$((p - 1)) # replica i on base+i: base itself is unused
  p=$(free_ports 9); for i in {0..8}; do E2E_PORTS+="$((p + i)) "; done
  export TENANTRY_ADMIN_PORT_BASE=$((p - 1))
  HTTPS=https://127.0.0.1:$TENANTRY_LB_HTTPS_PORT
  log "cluster in $TENANTRY_VAR: $API_REPLICAS replicas, https :$TENANTRY_LB_HTTPS_PORT, http :$TENANTRY_LB_HTTP_PORT," \
    "replicas :$((TENANTRY_API_PORT_BASE + 1))+, pg :$TENANTRY_PG_PORT, redis :$TENANTRY_REDIS_PORT"
  local t0
  t0=$(now_ms)
  if ! "$TENANTRY" up 2>&1 | sed 's/^/    up| /'; then
    fail "./tenantry up failed (output above)"
  fi
  log "up in $(($(now_ms) - t0)) ms"
}

# own_env [NAME=VALUE...] PROGRAM ARGS...: a program of the project with the
# settings given and nothing of the test's environment (./tenantry's
# settings, which the program would refuse under TENANTRY_STRICT_CONFIG=1).
own_env() { env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 TENANTRY_STRICT_CONFIG=1 "$@"; }

# pg_url ROLE: ROLE's URL on the cluster's PostgreSQL, with its password file.
pg_url() { "$E2E_ROOT/scripts/pg" url "$1" "$TENANTRY_PG_PORT" "$TENANTRY_VAR/secrets/pg"; }
# psql_as ROLE ARGS...: psql on database tenantry as ROLE (never prompts).
psql_as() {
  local role=$1
  shift
  "$("$E2E_ROOT/scripts/pg" bindir)/psql" -X -q -tA -w "$(pg_url "$role")" "$@"
}

# tenantryctl ARGS...: the built tenantryctl against the cluster's database,
# as tenantry_system. The tokens it mints and the passwords it prints are
# recorded as secrets.
tenantryctl() {
  local out rc=0
  out=$(own_env SYSTEM_DATABASE_URL="$(pg_url tenantry_system)" "$TENANTRY_BUILD_DIR/bin/tenantryctl" "$@") || rc=$?
  case "${1:-} ${2:-}" in
    "token mint") e2e_secret "$out" ;;
    "tenant create") e2e_secret "$(sed -n 's/^password //p' <<<"$out")" ;;
  esac
  [ -z "$out" ] || printf '%s\n' "$out"
  return "$rc"
}

# e2e_sign_in SLUG EMAIL PASSWORD: a password sign-in through HAProxy; prints
# the access token. The password (on curl's standard input, not in its argv)
# and both tokens are recorded as secrets.
e2e_sign_in() {
  local body access refresh
  e2e_secret "$3"
  body=$(printf '%s' "$3" | curl -sk -m 10 --data-urlencode grant_type=password \
    --data-urlencode "tenant=$1" --data-urlencode "username=$2" --data-urlencode "password@-" \
    "$HTTPS/v1/auth/token") || fail "the sign-in of $2 did not answer"
  access=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$body")
  refresh=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' <<<"$body")
  e2e_secret "$access" "$refresh"
  [ -n "$access" ] && [ -n "$refresh" ] || fail "the sign-in of $2 got no tokens: $body"
  printf '%s\n' "$access"
}

# e2e_tenant SLUG [PLAN]: creates a tenant (plan free by default); prints its id.
e2e_tenant() {
  local out
  out=$(tenantryctl tenant create --slug "$1" --name "$1" --owner-email "owner@$1.example" \
    --plan "${2:-free}") || fail "tenantryctl tenant create $1 failed"
  sed -n 's/^tenant //p' <<<"$out"
}

# ---------------------------------------------------------------- secrets in logs

# e2e_secret VALUE...: records secrets the test obtained or sent (tokens,
# passwords, client secrets). A file, not a variable: callers often run in a
# subshell ($(...)). Values shorter than 8 characters are not secrets of ours.
e2e_secret() {
  local v
  for v; do
    ((${#v} >= 8)) && printf '%s\n' "$v" >>"$E2E_SECRETS_FILE"
  done
  return 0
}

# e2e_scan_logs SECRETS_FILE DIR: every file under DIR, line by line, for each
# secret of SECRETS_FILE (a JWT's signature also on its own: a cut token still
# leaks it) and for anything shaped like a bearer token or a JWT, recorded or
# not. Prints FILE:LINE and what was found (a secret's first 4 characters
# only), exit 1 if anything was. "scanned N lines" goes to stderr.
e2e_scan_logs() {
  local secrets=$1 dir=$2 patterns hits line match rc=0
  patterns=$(mktemp /tmp/tenantry-e2e-scan.XXXXXX)
  awk 'length($0) >= 8 { print; if (split($0, p, ".") == 3 && length(p[3]) >= 16) print p[3] }' \
    "$secrets" | sort -u >"$patterns"
  printf 'scanned %s lines in %s files of %s\n' "$(find "$dir" -type f -exec cat {} + | wc -l)" \
    "$(find "$dir" -type f | wc -l)" "$dir" >&2
  if [ -s "$patterns" ] && hits=$(grep -rnoF -f "$patterns" "$dir"); then
    while IFS= read -r line; do
      match=${line##*:} # FILE:LINE:MATCH; our secrets hold no colon
      printf '%s: a secret the test used (%.4s..., %s characters)\n' "${line%:*}" "$match" "${#match}"
    done <<<"$hits"
    rc=1
  fi
  if hits=$(grep -rnoE 'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}|[Bb]earer +[A-Za-z0-9._~+/-]{16,}' "$dir"); then
    while IFS= read -r line; do
      printf '%s: something shaped like a token (%.12s...)\n' "$(cut -d: -f1,2 <<<"$line")" "$(cut -d: -f3- <<<"$line")"
    done <<<"$hits"
    rc=1
  fi
  rm -f "$patterns"
  return "$rc"
}

# e2e_check_logs: the cluster's logs hold none of the run's secrets (those
# recorded, and the cluster's own: Redis and PostgreSQL passwords, the
# signing key). A canary planted in the log directory must be found, or the
# scan itself is broken.
e2e_check_logs() {
  local canary found f
  [ -d "$TENANTRY_VAR/log" ] && [ -n "${E2E_SECRETS_FILE:-}" ] || return 0
  [ ! -s "$TENANTRY_VAR/secrets/redis-password" ] || e2e_secret "$(<"$TENANTRY_VAR/secrets/redis-password")"
  for f in "$TENANTRY_VAR"/secrets/pg/*.pgpass; do
    [ -s "$f" ] && e2e_secret "$(cut -d: -f5- "$f")"
  done
  for f in "$TENANTRY_VAR"/secrets/keys/*.pem; do
    [ -s "$f" ] && e2e_secret $(grep -v -- '-----' "$f")
  done
  canary=e2e-canary-$(openssl rand -hex 16)
  e2e_secret "$canary"
  printf '{"msg":"planted by e2e_check_logs","password":"%s"}\n' "$canary" >"$TENANTRY_VAR/log/e2e-canary.log"
  found=$(e2e_scan_logs "$E2E_SECRETS_FILE" "$TENANTRY_VAR/log") && {
    echo "the log scan did not find the canary it planted: the scan is broken" >&2
    return 1
  }
  rm -f "$TENANTRY_VAR/log/e2e-canary.log"
  grep -q '/e2e-canary.log:1: a secret' <<<"$found" || {
    printf '%s\n' "$found" >&2
    echo "the log scan did not find the canary it planted: the scan is broken" >&2
    return 1
  }
  found=$(grep -v '/e2e-canary.log:' <<<"$found" || true)
  if [ -n "$found" ]; then
    printf 'secrets in the logs:\n%s\n' "$found" >&2
    return 1
  fi
  log "no secret in the logs ($(sort -u "$E2E_SECRETS_FILE" | wc -l) checked, the planted canary found)"
}

e2e_cleanup() {
  local rc=$? pid f hook
  trap - EXIT
  set +e
  for hook in "${E2E_CLEANUP_HOOKS[@]}"; do eval "$hook"; done
  for pid in "${E2E_BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  if [ -n "${TENANTRY_VAR:-}" ] && [ -d "$TENANTRY_VAR" ]; then
    if [ "$rc" -ne 0 ]; then
      for f in "$TENANTRY_VAR"/log/*.log; do
        [ -s "$f" ] || continue
        echo "---- last lines of $f"
        tail -n 12 "$f" | cut -c1-400
      done
    fi
    timeout 150 "$TENANTRY" down 2>&1 | sed 's/^/    down| /'
    # If down could not stop supervisord, stop it (it is this test's own).
    pid=$(cat "$TENANTRY_VAR/supervisord.pid" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "supervisord $pid still running after down: killing its process group"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
      sleep 2
      kill -KILL -- "-$pid" 2>/dev/null
    fi
    # After down: the replicas' last lines are written.
    e2e_check_logs || { log "FAIL: a secret is in the logs (above)"; rc=1; }
    if [ "${TENANTRY_E2E_KEEP:-0}" = 1 ]; then
      echo "kept $TENANTRY_VAR (TENANTRY_E2E_KEEP=1)"
    else
      rm -rf "$(readlink -f "$TENANTRY_VAR/pg")" "$TENANTRY_VAR"
    fi
  fi
  if [ "$rc" -eq 0 ]; then log PASS; else log "FAILED (exit $rc)"; fi
  exit "$rc"
}

tenantry() { "$TENANTRY" "$@"; }
ctl() { supervisorctl -c "$TENANTRY_VAR/supervisord.conf" "$@"; }
# sv_info NAME: "STATE PID" from supervisord's XML-RPC (curl: no Python
# start-up per call, which takes a second under load).
sv_info() {
  curl -sf -m 10 --unix-socket "$TENANTRY_VAR/supervisor.sock" -H 'Content-Type: text/xml' \
    --data-binary "<?xml version=\"1.0\"?><methodCall><methodName>supervisor.getProcessInfo</methodName><params><param><value><string>$1</string></value></param></params></methodCall>" \
    http://localhost/RPC2 2>/dev/null | awk '
      match($0, /<name>[a-z_]+<\/name>/) { key = substr($0, RSTART + 6, RLENGTH - 13); next }
      key != "" && match($0, /<value><[a-z0-9]+>[^<]*</) { v = substr($0, RSTART, RLENGTH - 1); sub(/.*>/, "", v); f[key] = v; key = "" }
      END { if ("statename" in f) print f["statename"], f["pid"]; else print "NONE 0" }'
}
sv_pid() { local i; i=$(sv_info "$1"); echo "${i#* }"; } # 0 when not running
sv_state() { local i; i=$(sv_info "$1"); echo "${i%% *}"; }
api_port() { echo $((TENANTRY_API_PORT_BASE + $1)); }
admin_port() { echo $((TENANTRY_ADMIN_PORT_BASE + $1)); }
http_code() { curl -sk -o /dev/null -m "${2:-5}" -w '%{http_code}' "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- HAProxy

hap() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$TENANTRY_VAR/haproxy.sock"; }

# hap_stat PROXY SERVER FIELD: one field of `show stat` (e.g. status, scur, stot).
hap_stat() {
  hap "show stat" | awk -F, -v px="$1" -v sv="$2" -v f="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) { h = $i; sub(/^# /, "", h); col[h] = i }; next }
    $1 == px && $2 == sv { print $col[f]; found = 1 }
    END { exit !found }'
}
hap_status() { hap_stat api "$1" status 2>/dev/null || echo ABSENT; }
hap_servers() { hap "show stat" | awk -F, '$1 == "api" && $2 != "FRONTEND" && $2 != "BACKEND" {print $2}' | sort | tr '\n' ' ' | sed 's/ $//'; }
server_is() { [[ $(hap_status "$1") == "$2" ]]; }
server_down() { [[ $(hap_status "$1") == DOWN* ]]; }
frontend_requests() { hap_stat https FRONTEND req_tot; }
# more_requests_than N: the HTTPS frontend has answered more than N requests.
more_requests_than() { (($(frontend_requests) > $1)); }

# ---------------------------------------------------------------- load

# load_start NAME WRK_ARGS... URL: wrk in the background (bounded: -d 300s
# at most) until load_stop. Waits until the load flows.
load_start() {
  local name=$1 before
  shift
  before=$(frontend_requests)
  wrk -t1 -d300s --timeout 10s "$@" >"$TENANTRY_VAR/wrk-$name.out" 2>&1 &
  E2E_LOAD[$name]=$!
  E2E_BG_PIDS+=($!)
  poll 15 "load '$name' to reach HAProxy" more_requests_than $((before + 20))
}

# load_stop NAME [MIN_REQUESTS]: stops wrk (SIGINT: it prints its summary)
# and fails the test on any non-2xx response or socket error.
load_stop() {
  local name=$1 min=${2:-100} out pid total non2xx errs
  pid=${E2E_LOAD[$name]}
  out=$TENANTRY_VAR/wrk-$name.out
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" || true
  total=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$out")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out")
  errs=$(sed -n 's/^ *Socket errors: *//p' "$out")
  log "load '$name': ${total:-?} requests, non-2xx: ${non2xx:-0}, socket errors: ${errs:-none}"
  [ -n "$total" ] || { cat "$out"; fail "load '$name': no wrk summary"; }
  ((total >= min)) || { cat "$out"; fail "load '$name': only $total requests (expected >= $min)"; }
  [ -z "$non2xx" ] || { cat "$out"; fail "load '$name': $non2xx responses were not 2xx/3xx"; }
  [ -z "$errs" ] || { cat "$out"; fail "load '$name': socket errors: $errs"; }
}

# haproxy_5xx [METHODS]: requests HAProxy logged with a 5xx status (or none
# at all); only those whose method matches the regex METHODS when given.
haproxy_5xx() {
  grep -h '"msg":"haproxy"' "$TENANTRY_VAR"/log/haproxy.log* 2>/dev/null |
    grep -E "\"method\":\"(${1:-[A-Z]+})\"" | grep -cE '"status":(5[0-9][0-9]|-1),' || true
}

# replica_log_line REQUEST_ID: the access-log line a replica wrote for it.
replica_log_line() { grep -h "\"request_id\":\"$1\"" "$TENANTRY_VAR"/log/api-*.log 2>/dev/null | grep '"msg":"request"' | head -n 1; }
has_replica_log_line() { [ -n "$(replica_log_line "$1")" ]; }

# ---------------------------------------------------------------- mixed load

# Authenticated reads and idempotent writes through HAProxy
# (tests/e2e/mixed_load.py), every request with its own X-Request-ID and its
# outcome recorded, so that each write can be matched with its audit rows.
declare -A E2E_MIXED=() E2E_MIXED_RUN=()

# mixed_setup: what the mixed load needs. A tenant "mixed" on plan
# enterprise; the plan's tenant and user limits are raised to 1,000,000/s
# (burst 1,000,000) first, far above any load of these tests, so no request
# is refused with 429 and a failure is a failure (plans are data: no
# replica setting is changed). Its owner signs in through HAProxy (the
# access token lives 900 s, longer than any of these tests); a member is
# made through POST /v1/users for the PATCHes to change. Sets
# MIXED_TOKEN_FILE and MIXED_USER_ID.
mixed_setup() {
  local slug=mixed out password token member body headers
  tenantryctl plan set enterprise --tenant-rps 1000000 --tenant-burst 1000000 --user-rps 1000000 \
    --user-burst 1000000 >/dev/null || fail "tenantryctl plan set enterprise failed"
  out=$(tenantryctl tenant create --slug "$slug" --name "$slug" --owner-email "owner@$slug.example" \
    --plan enterprise) || fail "tenantryctl tenant create $slug failed"
  password=$(sed -n 's/^password //p' <<<"$out")
  token=$(e2e_sign_in "$slug" "owner@$slug.example" "$password")
  MIXED_TOKEN_FILE=$TENANTRY_VAR/mixed-token
  headers=$TENANTRY_VAR/mixed-headers
  (umask 077 && printf '%s\n' "$token" >"$MIXED_TOKEN_FILE" &&
    printf 'Authorization: Bearer %s\nContent-Type: application/json\n' "$token" >"$headers")
  member=$(openssl rand -hex 16)
  e2e_secret "$member"
  # Secrets on curl's standard input and in a header file, not in its argv.
  body=$(printf '{"email":"member@%s.example","role":"member","password":"%s"}' "$slug" "$member" |
    curl -sk -m 30 -H "@$headers" --data-binary @- "$HTTPS/v1/users") ||
    fail "POST /v1/users did not answer"
  MIXED_USER_ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$body")
  [ -n "$MIXED_USER_ID" ] || fail "POST /v1/users made no member: $body"
  log "mixed load: tenant $slug (plan enterprise, limits 1000000/s), PATCH target user $MIXED_USER_ID"
}

mixed_answered() { cat "$TENANTRY_VAR/mixed-$1.tsv.progress" 2>/dev/null || echo 0; }
mixed_answered_more_than() { (($(mixed_answered "$1") > $2)); }

# mixed_start NAME [mixed_load.py ARGS...]: the mixed load in the background
# until mixed_stop; waits until it flows.
mixed_start() {
  local name=$1 run
  shift
  run=e2e-$name-$(openssl rand -hex 4)
  E2E_MIXED_RUN[$name]=$run
  python3 "$E2E_ROOT/tests/e2e/mixed_load.py" --base "$HTTPS" --token-file "$MIXED_TOKEN_FILE" \
    --user-id "$MIXED_USER_ID" --run-id "$run" --out "$TENANTRY_VAR/mixed-$name.tsv" "$@" \
    2>"$TENANTRY_VAR/mixed-$name.err" &
  E2E_MIXED[$name]=$!
  E2E_BG_PIDS+=($!)
  poll 15 "mixed load '$name' to be answered" mixed_answered_more_than "$name" 20
}

# mixed_stop NAME MODE MIN_WRITES: stops the load, prints its outcomes per
# kind, and checks them. MODE strict: every read and every write got a 2xx.
# MODE crash (a replica is killed): every read got a 2xx; every write got a
# 2xx or failed with 502, 503, 504 or a dropped connection, nothing else.
# Then the audit log: at most one row per request id of this load, and
# exactly one for each write that got a 2xx (mixed_audit).
mixed_stop() {
  local name=$1 mode=$2 min=$3 pid out summary bad
  pid=${E2E_MIXED[$name]}
  out=$TENANTRY_VAR/mixed-$name.tsv
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || fail "mixed load '$name' exited with status $?: $(cat "$TENANTRY_VAR/mixed-$name.err")"
  [ -s "$out" ] || fail "mixed load '$name' recorded nothing: $(cat "$TENANTRY_VAR/mixed-$name.err")"
  # "reads 1200 (200: 1200); writes 400 (200: 398, 502: 2)"
  summary=$(awk -F'\t' '
    { n[$2]++; c[$2, $5]++; if (!seen[$5]++) o[++k] = $5 }
    END {
      for (j = 1; j <= 2; j++) {
        kind = j == 1 ? "read" : "write"; s = ""
        for (i = 1; i <= k; i++) if (c[kind, o[i]]) s = s (s ? ", " : "") o[i] ": " c[kind, o[i]]
        printf "%s%ss %d (%s)", j == 2 ? "; " : "", kind, n[kind], s
      }
    }' "$out")
  log "mixed load '$name': $summary"
  (($(awk -F'\t' '$2 == "write"' "$out" | wc -l) >= min)) ||
    fail "mixed load '$name': fewer than $min writes"
  bad=$(awk -F'\t' -v mode="$mode" '
    $5 ~ /^2[0-9][0-9]$/ { next }
    mode == "crash" && $2 == "write" && $5 ~ /^(50[234]|drop:.*)$/ { next }
    { print }' "$out")
  if [ -n "$bad" ]; then
    printf '    request id, kind, method, path, outcome, ms:\n'
    head -n 20 <<<"$bad" | sed 's/^/    /'
    fail "mixed load '$name': $(wc -l <<<"$bad") requests failed in a way mode $mode does not allow (first 20 above)"
  fi
  mixed_audit "$name"
}

# mixed_audit NAME: the audit rows of NAME's requests (request ids are the
# load's own), counted per request id as the superuser (no RLS).
mixed_audit() {
  local name=$1 run=${E2E_MIXED_RUN[$1]} rows verdict
  rows=$TENANTRY_VAR/mixed-$name.audit
  psql_as postgres -F $'\t' -v prefix="$run-" >"$rows" <<'SQL' || fail "could not read audit_log"
SELECT request_id, count(*), string_agg(DISTINCT action, ',') FROM audit_log
WHERE left(request_id, length(:'prefix')) = :'prefix' GROUP BY request_id;
SQL
  verdict=$(awk -F'\t' '
    FILENAME == ARGV[1] { rows[$1] = $2; action[$1] = $3; nrows++; next }
    { kind[$1] = $2; outcome[$1] = $5 }
    END {
      for (id in rows) {
        if (!(id in kind) || kind[id] != "write") { print "FAIL audit row(s) for " id ", not a write of this load"; bad++ }
        else if (rows[id] != 1) { print "FAIL " id " has " rows[id] " audit rows: applied more than once"; bad++ }
        else if (action[id] != "user_changed") { print "FAIL " id " has audit action " action[id]; bad++ }
      }
      for (id in kind) {
        if (kind[id] != "write") continue
        n = (id in rows) ? rows[id] : 0
        if (outcome[id] ~ /^2/) { ok++; if (n != 1) { print "FAIL " id " got " outcome[id] " but has " n " audit rows"; bad++ } }
        else if (n == 1) failed_applied++
        else failed_not_applied++
      }
      printf "SUMMARY %d audit rows for %d writes with a 2xx; failed writes: %d applied, %d not\n", \
        nrows, ok, failed_applied, failed_not_applied
      exit (bad > 0)
    }' "$rows" "$TENANTRY_VAR/mixed-$name.tsv") || {
    grep '^FAIL' <<<"$verdict" | head -n 20 | sed 's/^/    /'
    fail "mixed load '$name': the audit log does not match the writes (above)"
  }
  log "mixed load '$name': audit: ${verdict#SUMMARY }; at most one row per request id"
}
