#!/usr/bin/env bash
# E2E: the ./tenantry commands themselves. Rerunning `up` changes nothing;
# `status` reports health; a variable of the project's prefixes that nothing
# reads gets a warning naming the right one (exit 2 with
# TENANTRY_STRICT_CONFIG=1); a deploy of a binary that cannot list its
# settings touches no replica; a deploy whose new replica never becomes
# ready rolls that replica back to the release it ran, puts it back in
# rotation and stops with a message, and the next good deploy goes through;
# `down` stops everything and keeps the data; `up` brings it back, reading a
# cluster.env written with the old port names. PostgreSQL refuses every
# role that comes without its password.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

e2e_up 3
psql_() { psql_as postgres -c "$1"; }
pids() { local i; for i in 1 2 3; do sv_pid "api-$i"; done | tr '\n' ' '; }
all_ok() { # 20 requests through HAProxy, all 200
  local k code
  for ((k = 0; k < 20; k++)); do
    code=$(http_code "$HTTPS/v1/ping")
    [ "$code" = 200 ] || fail "GET /v1/ping through HAProxy answered '$code' ($1)"
  done
}

tenantry help | grep -q 'scale api=N' || fail "./tenantry help does not list scale"
if tenantry frobnicate 2>/dev/null; then fail "an unknown command succeeded"; fi

log "status of a healthy cluster"
tenantry status | sed 's/^/    status| /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "./tenantry status exited non-zero on a healthy cluster"

log "PostgreSQL wants each role's password; the password files are the owner's only"
PSQL=$("$E2E_ROOT/scripts/pg" bindir)/psql
empty=$TENANTRY_VAR/empty.pgpass
(umask 077 && : >"$empty")
for role in postgres tenantry_system tenantry_owner tenantry_app; do
  out=$("$PSQL" -X -w "postgresql://$role@127.0.0.1:$TENANTRY_PG_PORT/tenantry?passfile=$empty" -c 'SELECT 1' 2>&1) &&
    fail "$role connected without a password: $out"
  grep -q 'no password supplied' <<<"$out" || fail "$role without a password: unexpected answer: $out"
  [ "$(psql_as "$role" -c 'SELECT current_user')" = "$role" ] || fail "$role cannot connect with its password file"
  [ "$(stat -c %a "$TENANTRY_VAR/secrets/pg/$role.pgpass")" = 600 ] || fail "secrets/pg/$role.pgpass is not mode 600"
done
"$("$E2E_ROOT/scripts/pg" bindir)/pg_isready" -q -h 127.0.0.1 -p "$TENANTRY_PG_PORT" || fail "pg_isready needs no password, yet failed"

log "rerunning up changes nothing"
before=$(pids)
tenantry up >/dev/null || fail "a second ./tenantry up failed"
[ "$(pids)" = "$before" ] || fail "a second up restarted replicas: $before -> $(pids)"

log "each replica listens on its own port, not on the environment's TENANTRY_HTTP_PORT"
[ "$(http_code "http://127.0.0.1:$(api_port 1)/livez")" = 200 ] || fail "api-1 is not on $(api_port 1)"
rc=0
out=$(TENANTRY_HTTP_PORT=1 TENANTRY_LB_HTTPS_PROT=1 "$TENANTRY" status 2>&1) || rc=$?
sed 's/^/    status| /' <<<"$out"
[ "$rc" = 2 ] || fail "status with variables nothing reads exited $rc under TENANTRY_STRICT_CONFIG=1, not 2"
grep -q 'TENANTRY_HTTP_PORT is .*TENANTRY_LB_HTTP_PORT' <<<"$out" || fail "no warning that TENANTRY_HTTP_PORT is now TENANTRY_LB_HTTP_PORT"
grep -q 'TENANTRY_LB_HTTPS_PROT .*did you mean TENANTRY_LB_HTTPS_PORT' <<<"$out" || fail "the warning does not name the closest setting"
out=$(TENANTRY_STRICT_CONFIG=0 TENANTRY_LB_HTTPS_PROT=1 "$TENANTRY" status 2>&1) || fail "status failed with an unknown variable without TENANTRY_STRICT_CONFIG: $out"
grep -q 'did you mean TENANTRY_LB_HTTPS_PORT' <<<"$out" || fail "without TENANTRY_STRICT_CONFIG, no warning: $out"

good_release=$(readlink "$TENANTRY_VAR/current")
broken=$(mktemp -d "$TENANTRY_VAR/broken-build.XXXXXX")
mkdir -p "$broken/bin"
ln -s "$TENANTRY_BUILD_DIR/bin/tenantry-migrate" "$broken/bin/tenantry-migrate" # the schema is fine
ln -s "$TENANTRY_BUILD_DIR/bin/tenantryctl" "$broken/bin/tenantryctl"

log "a deploy of a binary that cannot list its settings touches no replica"
before=$(pids)
printf '#!/bin/sh\necho "tenantry-api: broken build for the e2e test" >&2\nexit 3\n' >"$broken/bin/tenantry-api"
chmod +x "$broken/bin/tenantry-api"
out=$(TENANTRY_BUILD_DIR=$broken "$TENANTRY" deploy 2>&1) && fail "deploying a binary without --settings succeeded: $out"
sed 's/^/    deploy| /' <<<"$out"
grep -q -- '--settings' <<<"$out" || fail "the refused deploy did not say why"
[ "$(pids)" = "$before" ] || fail "the refused deploy restarted replicas: $before -> $(pids)"
[ "$(readlink "$TENANTRY_VAR/current")" = "$good_release" ] || fail "the refused deploy changed current"

log "a deploy whose new replica never becomes ready: that replica is rolled back"
# It lists the settings of the real binary, and never starts.
printf '#!/bin/sh\n[ "$1" = --settings ] && exec %s --settings\necho "tenantry-api: broken build for the e2e test" >&2\nexit 3\n' \
  "$TENANTRY_BUILD_DIR/bin/tenantry-api" >"$broken/bin/tenantry-api"
out=$(TENANTRY_BUILD_DIR=$broken TENANTRY_WAIT_SECS=10 "$TENANTRY" deploy 2>&1) && fail "deploying a broken binary succeeded: $out"
sed 's/^/    deploy| /' <<<"$out"
grep -q 'deploy stopped' <<<"$out" || fail "the failed deploy did not say it stopped"
grep -q 'rolled back' <<<"$out" || fail "the failed deploy did not say it rolled the replica back"
for i in 1 2 3; do server_is "api$i" UP || fail "after the failed deploy api$i is $(hap_status "api$i") in HAProxy, expected UP"; done
[ "$(readlink "$TENANTRY_VAR/current")" = "$good_release" ] || fail "after the failed deploy current is $(readlink "$TENANTRY_VAR/current"), not $good_release"
[ "$(sv_state api-1)" = RUNNING ] || fail "the rolled-back replica is $(sv_state api-1), expected RUNNING"
exe=$(readlink -f "/proc/$(sv_pid api-1)/exe")
[ "$exe" = "$(readlink -f "$TENANTRY_VAR/$good_release/tenantry-api")" ] || fail "the rolled-back replica runs $exe, not $good_release"
tenantry status >/dev/null || fail "status is not healthy after the rollback"
all_ok "after the failed deploy"

log "the next good deploy recovers"
tenantry deploy 2>&1 | sed 's/^/    deploy| /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "the good deploy after a failed one failed"
for i in 1 2 3; do server_is "api$i" UP || fail "api$i is $(hap_status "api$i") after the good deploy"; done
all_ok "after the good deploy"

log "down keeps the data; up brings the cluster back"
psql_ "CREATE TABLE e2e_marker (v text); INSERT INTO e2e_marker VALUES ('kept')" || fail "could not write to PostgreSQL"
tenantry down | sed 's/^/    down| /'
if tenantry status >/dev/null; then fail "status exited 0 with the cluster down"; fi
for p in "$TENANTRY_LB_HTTPS_PORT" "$TENANTRY_PG_PORT" "$TENANTRY_REDIS_PORT" "$(api_port 1)"; do
  [ -z "$(ss -Hltn "sport = :$p")" ] || fail "port $p still listens after down"
done
# A cluster.env of before the rename of HAProxy's ports: read once, rewritten.
sed -i 's/^TENANTRY_LB_HTTPS_PORT=/TENANTRY_HTTPS_PORT=/; s/^TENANTRY_LB_HTTP_PORT=/TENANTRY_HTTP_PORT=/' "$TENANTRY_VAR/cluster.env"
out=$(env -u TENANTRY_LB_HTTPS_PORT -u TENANTRY_LB_HTTP_PORT "$TENANTRY" up 2>&1) || fail "up after down failed: $out"
grep -q 'TENANTRY_HTTPS_PORT is now TENANTRY_LB_HTTPS_PORT' <<<"$out" || fail "up did not warn of the old names in cluster.env: $out"
grep -qx "TENANTRY_LB_HTTPS_PORT=$TENANTRY_LB_HTTPS_PORT" "$TENANTRY_VAR/cluster.env" || fail "cluster.env was not rewritten with the new names"
! grep -q '^TENANTRY_HTTPS\?_PORT=' "$TENANTRY_VAR/cluster.env" || fail "cluster.env still has the old names"
[ "$(psql_ "SELECT v FROM e2e_marker")" = kept ] || fail "the data written before down is gone"
all_ok "after down and up"
