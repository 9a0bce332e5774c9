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
# Settings of a developer's own cluster must not leak into the test's.
unset TENANTRY_VAR TENANTRY_LB_ADDR TENANTRY_THREADS TENANTRY_SHUTDOWN_TIMEOUT_MS \
  TENANTRY_IDLE_TIMEOUT_MS TENANTRY_READ_TIMEOUT_MS TENANTRY_MAX_HEADER_BYTES \
  TENANTRY_MAX_BODY_BYTES TENANTRY_MAX_INFLIGHT TENANTRY_PUBLIC_HOST TENANTRY_HAPROXY_MAXCONN \
  TENANTRY_HAPROXY_SERVER_MAXCONN

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
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_HTTPS_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_HTTP_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_HAPROXY_STATS_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_PG_PORT=$p
  p=$(free_ports 1); E2E_PORTS+="$p "; export TENANTRY_REDIS_PORT=$p
  p=$(free_ports 9); for i in {0..8}; do E2E_PORTS+="$((p + i)) "; done
  export TENANTRY_API_PORT_BASE=$((p - 1)) # replica i on base+i: base itself is unused
  p=$(free_ports 9); for i in {0..8}; do E2E_PORTS+="$((p + i)) "; done
  export TENANTRY_ADMIN_PORT_BASE=$((p - 1))
  HTTPS=https://127.0.0.1:$TENANTRY_HTTPS_PORT
  log "cluster in $TENANTRY_VAR: $API_REPLICAS replicas, https :$TENANTRY_HTTPS_PORT, http :$TENANTRY_HTTP_PORT," \
    "replicas :$((TENANTRY_API_PORT_BASE + 1))+, pg :$TENANTRY_PG_PORT, redis :$TENANTRY_REDIS_PORT"
  local t0
  t0=$(now_ms)
  if ! "$TENANTRY" up 2>&1 | sed 's/^/    up| /'; then
    fail "./tenantry up failed (output above)"
  fi
  log "up in $(($(now_ms) - t0)) ms"
}

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
  out=$(SYSTEM_DATABASE_URL=$(pg_url tenantry_system) "$TENANTRY_BUILD_DIR/bin/tenantryctl" "$@") || rc=$?
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

# haproxy_5xx: requests HAProxy logged with a 5xx status (or none at all).
haproxy_5xx() {
  grep -h '"msg":"haproxy"' "$TENANTRY_VAR"/log/haproxy.log* 2>/dev/null |
    grep -cE '"status":(5[0-9][0-9]|-1),' || true
}

# replica_log_line REQUEST_ID: the access-log line a replica wrote for it.
replica_log_line() { grep -h "\"request_id\":\"$1\"" "$TENANTRY_VAR"/log/api-*.log 2>/dev/null | grep '"msg":"request"' | head -n 1; }
has_replica_log_line() { [ -n "$(replica_log_line "$1")" ]; }
