# `./tenantry scale api=N`: HAProxy's servers change through its runtime API
# (add server / del server), never by a reload: a reload makes the old
# worker close its idle keep-alive client connections, and a client that
# just sent a request on one sees a reset. haproxy.cfg is rewritten too, so
# a restart or reload of HAProxy has the same servers.
import os

from . import cluster_env, render, settings, steps
from .output import Stop
from .waiting import poll


def scale(c, n: int) -> None:
    cur = c.replicas
    if n == cur:
        c.out.info(f"already {n} API replicas")
        return
    t0 = c.clock.now()
    if n > cur:
        scale_up(c, cur, n)
    else:
        scale_down(c, cur, n)
    servers = " ".join(c.haproxy.servers())
    c.out.info(f"scaled to {n} API replicas in {int(c.clock.now() - t0)}s: {servers}")


def ports_free_or_stop(c, n: int, first_replica: int = 1) -> None:
    """No listener of a cluster of N replicas (from FIRST_REPLICA on) is taken."""
    for port, setting, what in settings.listeners(c.config.cluster, n, first_replica):
        if c.probes.port_in_use(port):
            raise Stop(f"port {port} ({what}, from {setting}) is already in use; stop what uses it "
                       f"or choose another: {setting}=<port> ./tenantry up")


def _save(c, n: int) -> None:
    c.config.cluster["API_REPLICAS"] = str(n)
    cluster_env.write(c.paths("cluster.env"), c.config)
    os.replace(steps.render_haproxy(c, n), c.paths("haproxy.cfg"))


def scale_up(c, cur: int, n: int) -> None:
    """The new replicas start and become ready first; then they join HAProxy
    with health checks, and are in rotation once those pass."""
    problems = settings.validate(c.config.cluster, replicas=n)
    if problems:
        raise Stop(problems[0])
    ports_free_or_stop(c, n, cur + 1)
    new = range(cur + 1, n + 1)
    for i in new:
        render.api_program(c.paths, c.config, i, c.pg_url)
        steps.update_program(c, f"api-{i}")
        c.out.info(f"starting api-{i} on 127.0.0.1:{c.api_port(i)}")
        steps.start_program(c, f"api-{i}")
    for i in new:
        if not steps.wait_replica_ready(c, i):
            raise Stop(f"scale stopped: api-{i} is not ready (the {cur} replicas in HAProxy keep serving)")
        if not steps.wait_running(c, f"api-{i}"):
            raise Stop(f"scale stopped: supervisord says api-{i} is {steps.program_state(c, f'api-{i}')}; "
                       f"log: {c.paths.log(f'api-{i}')}")
    _save(c, n)
    for i in new:
        c.out.info(f"adding api{i} to HAProxy")
        steps.add_server(c, i)
    for i in new:
        if not steps.wait_server_up(c, f"api{i}", c.wait_secs):
            raise Stop(f"HAProxy did not mark api{i} UP within {c.wait_secs}s; logs: "
                       f"{c.paths.log('haproxy')}, {c.paths.log(f'api-{i}')}")


def scale_down(c, cur: int, n: int) -> None:
    """The surplus replicas are drained in HAProxy (all at once), stopped
    with SIGTERM (each finishes its requests) and removed from HAProxy and
    supervisord."""
    gone = range(cur, n, -1)
    for i in gone:
        c.out.info(f"draining api{i} in HAProxy")
        c.haproxy.set_state(f"api{i}", "drain")
    for i in gone:
        if not poll(c.clock, 30, lambda: steps.server_idle(c, f"api{i}")):
            c.out.warn(f"api{i} still has requests in HAProxy after 30s; stopping it anyway "
                       "(it finishes them while draining)")
    names = [f"api-{i}" for i in gone]
    c.out.info(f"stopping {' '.join(names)} (SIGTERM: each finishes its requests)")
    for name in names:
        # A process that exits while STARTING is restarted: let it start first.
        poll(c.clock, 10, lambda: steps.program_state(c, name) != "STARTING")
        if steps.program_state(c, name) == "RUNNING":
            c.supervisor.signal(name, "TERM")
    for name in names:
        if not poll(c.clock, 60, lambda: steps.program_state(c, name) not in steps.ALIVE):
            c.out.warn(f"{name} did not exit within 60s; stopping it with supervisord")
            steps.stop_program(c, name)
    for i in gone:
        c.out.info(f"removing api{i} from HAProxy")
        steps.remove_server(c, i)
        conf = c.paths("supervisor.d", f"api-{i}.conf")
        if os.path.exists(conf):
            os.remove(conf)
        steps.update_program(c, f"api-{i}")
    _save(c, n)
