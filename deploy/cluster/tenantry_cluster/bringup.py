# `./tenantry up`: installs the built binary as a release, makes what is
# missing (secrets, certificate, database), renders the configs, and starts
# whatever of the cluster is not running, in order (PostgreSQL, Redis, the
# replicas, HAProxy), each waited for until healthy. Safe to rerun.
import filecmp
import os

from . import cluster_env, credentials, releases, render, steps
from .haproxy import HaproxyUnavailable
from .output import Stop
from .scaling import ports_free_or_stop
from .waiting import poll


def up(c, binary: str) -> None:
    t0 = c.clock.now()
    n = c.replicas
    cfg = c.config.cluster
    var = c.paths.var
    release = releases.install(var, binary)
    c.out.info(f"release {release} is {c.paths('current')}")
    cluster_env.write(c.paths("cluster.env"), c.config)
    credentials.make_secrets(var, c.external)
    credentials.make_certificate(var, c.config, c.external, c.out)
    os.makedirs(c.paths("log"), exist_ok=True)
    c.external.pg_init()
    render.supervisor(c.paths, c.config, n, c.pg_url, c.external.haproxy_bin())
    new_haproxy_cfg = steps.render_haproxy(c, n)

    haproxy_running = False
    if c.supervisor.is_running():
        apply_supervisor_changes(c)
        haproxy_running = steps.program_state(c, "haproxy") == "RUNNING"
    else:
        ports_free_or_stop(c, n)
        render.write(c.paths("haproxy.state"), "1\n")  # a fresh start: no stale server states
        start_supervisord(c)

    pg, redis = cfg["TENANTRY_PG_PORT"], cfg["TENANTRY_REDIS_PORT"]
    c.out.info(f"starting postgres on 127.0.0.1:{pg} and redis on 127.0.0.1:{redis}")
    steps.start_program(c, "postgres")
    steps.start_program(c, "redis")
    steps.wait_healthy(c, "postgres", f"connections accepted on 127.0.0.1:{pg}", lambda: c.probes.pg_ready(pg))
    c.external.pg_bootstrap(pg)
    steps.wait_healthy(c, "redis", f"PONG from 127.0.0.1:{redis}", lambda: c.probes.redis_ready(redis))

    c.out.info(f"starting {n} API replicas on 127.0.0.1:{c.api_port(1)}..{c.api_port(n)}")
    for i in range(1, n + 1):
        steps.start_program(c, f"api-{i}")
    for i in range(1, n + 1):
        if not steps.wait_replica_ready(c, i):
            raise Stop()

    addr, https = cfg["TENANTRY_LB_ADDR"], cfg["TENANTRY_LB_HTTPS_PORT"]
    if haproxy_running:
        if filecmp.cmp(new_haproxy_cfg, c.paths("haproxy.cfg"), shallow=False):
            os.remove(new_haproxy_cfg)
        else:
            c.out.info("reloading haproxy (configuration changed)")
            reload_haproxy(c, new_haproxy_cfg)
    else:
        c.out.info(f"starting haproxy on {addr}:{https} (https) and :{cfg['TENANTRY_LB_HTTP_PORT']} (redirect)")
        os.replace(new_haproxy_cfg, c.paths("haproxy.cfg"))
        steps.start_program(c, "haproxy")
    steps.wait_healthy(c, "haproxy", f"its runtime API on {c.paths('haproxy.sock')}", lambda: _answers(c))
    for i in range(1, n + 1):
        c.haproxy.set_state(f"api{i}", "ready")
        if not steps.wait_server_up(c, f"api{i}", c.wait_secs):
            raise Stop(f"HAProxy did not mark api{i} (127.0.0.1:{c.api_port(i)}) UP within {c.wait_secs}s "
                       f"(it says: {steps.server_status(c, f'api{i}')}); logs: {c.paths.log('haproxy')}, "
                       f"{c.paths.log(f'api-{i}')}")
    if not poll(c.clock, 10, lambda: all(p.state == "RUNNING" for p in c.supervisor.processes())):
        c.out.warn("not every program is RUNNING yet: ./tenantry status")
    readyz = f"https://{addr}:{https}/readyz"
    if c.probes.http_code(readyz) != "200":
        raise Stop(f"HAProxy does not answer {readyz} with 200; log: {c.paths.log('haproxy')}")

    url = f"https://localhost:{https}" if addr == "127.0.0.1" else f"https://{addr}:{https}"
    c.out.info(f"""
Tenantry is up ({int(c.clock.now() - t0)}s): {n} API replicas behind HAProxy, release {release}.
  {url}/   (self-signed certificate: {c.paths('tls', 'cert.pem')})
  try:    curl -k {url}/v1/ping
  HAProxy stats: http://127.0.0.1:{cfg['TENANTRY_HAPROXY_STATS_PORT']}/stats (Prometheus: /metrics)
  replica metrics: http://127.0.0.1:{c.admin_port(1)}/metrics .. :{c.admin_port(n)}
  logs:   {c.paths('log')}/
  ./tenantry status | scale api=N | deploy | down""")


def _answers(c) -> bool:
    try:
        c.haproxy.command("show info")
        return True
    except HaproxyUnavailable:
        return False


def start_supervisord(c) -> None:
    c.out.info(f"starting supervisord ({c.paths('supervisord.conf')})")
    if os.path.lexists(c.paths("supervisor.sock")):
        os.remove(c.paths("supervisor.sock"))
    log = c.paths.log("supervisord")
    if not c.external.start_supervisord():
        raise Stop(f"supervisord did not start; log: {log}")
    if not poll(c.clock, 15, c.supervisor.is_running):
        c.out.show_log(log)
        raise Stop(f"supervisord did not come up; log: {log}")


def apply_supervisor_changes(c) -> None:
    """After the program files changed: adds new programs, removes gone ones,
    applies changes now, except to running replicas (those take `deploy`)."""
    added, changed, removed = c.supervisor.reread()
    for name in removed:
        steps.stop_program(c, name)
        c.supervisor.remove(name)
    for name in added:
        c.supervisor.add(name)
    deferred = []
    for name in changed:
        if name.startswith("api-") and steps.program_state(c, name) == "RUNNING":
            deferred.append(name)
        else:
            steps.stop_program(c, name)
            c.supervisor.remove(name)
            c.supervisor.add(name)
    if deferred:
        c.out.info(f"note: the settings of {' '.join(deferred)} changed; "
                   "`./tenantry deploy` applies them without downtime")


def reload_haproxy(c, new_cfg: str) -> None:
    """A seamless reload: the servers' admin states are saved for the new
    worker, which takes the listening sockets over from the old one; the
    old one finishes its requests. Waits until the new worker answers."""
    try:
        old = c.haproxy.worker_pid()
        state = c.haproxy.servers_state()
        if state.strip():
            render.write(c.paths("haproxy.state"), state)
    except HaproxyUnavailable:
        old = ""
    os.replace(new_cfg, c.paths("haproxy.cfg"))
    try:
        c.supervisor.signal("haproxy", "USR2")
    except Exception:
        raise Stop("could not signal HAProxy to reload") from None

    def reloaded() -> bool:
        try:
            pid = c.haproxy.worker_pid()
        except HaproxyUnavailable:
            return False
        return pid != "" and pid != old

    if not poll(c.clock, 20, reloaded):
        raise Stop(f"HAProxy did not reload within 20s; log: {c.paths.log('haproxy')}")
