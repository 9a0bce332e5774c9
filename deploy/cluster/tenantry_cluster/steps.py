# The steps the cluster commands are made of: a program's state, starting
# and stopping it, waiting until a service is healthy or a replica ready,
# and a replica's server in HAProxy (drain, in rotation, added, removed).
# Each takes the Cluster; each wait has a deadline. A new step goes here
# when two commands need it, else in its command's file.
import re

from . import render
from .haproxy import HaproxyUnavailable, ServerStat
from .output import Stop
from .supervisor import SupervisorUnavailable
from .waiting import poll

ALIVE = ("RUNNING", "STARTING", "STOPPING", "BACKOFF")

# ------------------------------------------------------------ supervisord

def program_state(c, name: str) -> str:
    """RUNNING, STARTING, BACKOFF, STOPPING, STOPPED, EXITED, FATAL, or NONE
    (no such program, or supervisord did not answer)."""
    try:
        info = c.supervisor.process(name)
    except SupervisorUnavailable:
        return "NONE"
    return info.state if info else "NONE"


def program_pid(c, name: str) -> int:
    """Its pid, 0 when it does not run."""
    try:
        info = c.supervisor.process(name)
    except SupervisorUnavailable:
        return 0
    return info.pid if info else 0


def api_programs(c) -> list[str]:
    """The api-N programs supervisord has, by N."""
    names = [p.name for p in c.supervisor.processes() if re.fullmatch(r"api-[0-9]+", p.name)]
    return sorted(names, key=lambda n: int(n[4:]))


def start_program(c, name: str) -> None:
    """Starts NAME unless it runs; waits neither for startsecs nor health."""
    state = program_state(c, name)
    if state in ("RUNNING", "STARTING"):
        return
    if state == "NONE":
        raise Stop(f"supervisord has no program {name} (config: {c.paths('supervisor.d')})")
    c.supervisor.start(name)


def stop_program(c, name: str, seconds: float = 120) -> bool:
    """Stops NAME with its stopsignal (a replica drains on SIGTERM); True
    once it no longer runs, False if it still does after SECONDS."""
    c.supervisor.stop(name)
    return poll(c.clock, seconds, lambda: program_state(c, name) not in ALIVE)


def update_program(c, name: str) -> None:
    """Applies NAME's changed program file, as `supervisorctl update NAME`:
    a changed or removed program is stopped and removed, a new or changed
    one added (not started)."""
    added, changed, removed = c.supervisor.reread()
    if name in changed or name in removed:
        stop_program(c, name)
        c.supervisor.remove(name)
    if name in added or name in changed:
        c.supervisor.add(name)


def wait_healthy(c, program: str, what: str, check) -> None:
    """Polls CHECK until it holds; when PROGRAM gives up (FATAL) or after
    TENANTRY_WAIT_SECS, stops the command naming it, with its log."""
    t0 = c.clock.now()
    while not check():
        state = program_state(c, program)
        if state == "FATAL" or c.clock.now() - t0 >= c.wait_secs:
            c.out.show_log(c.paths.log(program))
            raise Stop(f"{program} did not come up after {int(c.clock.now() - t0)}s (waited for: {what}; "
                       f"supervisor says {state}); log: {c.paths.log(program)}")
        c.clock.sleep(0.2)


def replica_ready(c, i: int) -> bool:
    return c.probes.http_code(f"http://127.0.0.1:{c.api_port(i)}/readyz") == "200"


def wait_replica_ready(c, i: int) -> bool:
    """Until api-I answers /readyz with 200: True. When it gives up (FATAL)
    or after TENANTRY_WAIT_SECS, says why, with its log, and is False."""
    name, t0 = f"api-{i}", c.clock.now()
    url = f"http://127.0.0.1:{c.api_port(i)}/readyz"
    while not replica_ready(c, i):
        state = program_state(c, name)
        if state == "FATAL" or c.clock.now() - t0 >= c.wait_secs:
            code = c.probes.http_code(url)
            c.out.warn(f"{name} did not become ready after {int(c.clock.now() - t0)}s: {url} answers "
                       f"{'nothing' if code == '000' else code}, supervisor says {state}; "
                       f"log: {c.paths.log(name)}")
            c.out.show_log(c.paths.log(name))
            return False
        c.clock.sleep(0.2)
    return True


def wait_running(c, name: str, seconds: float = 10) -> bool:
    """supervisord counts NAME as started (RUNNING: up for its startsecs)."""
    return poll(c.clock, seconds, lambda: program_state(c, name) == "RUNNING")


# ------------------------------------------------------------ HAProxy

def server(c, srv: str) -> ServerStat | None:
    """SRV's status and sessions in backend api; None when HAProxy has no
    such server or does not answer."""
    try:
        return c.haproxy.server(srv)
    except HaproxyUnavailable:
        return None


def server_up(c, srv: str) -> bool:
    s = server(c, srv)
    return s is not None and s.status == "UP"


def server_idle(c, srv: str) -> bool:
    s = server(c, srv)
    return s is not None and s.sessions == 0


def server_status(c, srv: str) -> str:
    s = server(c, srv)
    return s.status if s else "absent"


def wait_server_up(c, srv: str, seconds: float) -> bool:
    return poll(c.clock, seconds, lambda: server_up(c, srv))


def drain(c, i: int, seconds: float = 30) -> bool:
    """Takes api-I out of rotation in HAProxy (state drain: no new request,
    the ones in flight finish). True once HAProxy holds no session on it;
    False if it still does after SECONDS."""
    c.haproxy.set_state(f"api{i}", "drain")
    return poll(c.clock, seconds, lambda: server_idle(c, f"api{i}"))


def add_server(c, i: int) -> None:
    """Server apiI, with the options of the configured ones (a server added
    at runtime does not inherit default-server), health checks on, in
    rotation once its checks pass."""
    srv = f"api{i}"
    if server(c, srv) is None:
        options = render.default_server_options(c.paths("haproxy.cfg"))
        said = c.haproxy.add_server(srv, f"127.0.0.1:{c.api_port(i)}", options)
        if "New server registered" not in said:
            raise Stop(f"HAProxy refused to add server {srv}: {said.strip()}")
    c.haproxy.enable_health(srv)
    c.haproxy.set_state(srv, "ready")


def remove_server(c, i: int, seconds: float = 30) -> None:
    """Server apiI out of the backend once it has no connection left."""
    srv = f"api{i}"
    if server(c, srv) is None:
        return
    c.haproxy.set_state(srv, "maint")
    deadline = c.clock.now() + seconds
    while True:
        said = c.haproxy.del_server(srv)
        if "Server deleted" in said:
            return
        if c.clock.now() >= deadline:
            raise Stop(f"HAProxy did not delete server {srv}: {said.strip()}")
        c.haproxy.shutdown_sessions(srv)  # idle pooled connections
        c.clock.sleep(0.2)


def render_haproxy(c, n: int) -> str:
    """haproxy.cfg.new for N replicas, checked by HAProxy; its path."""
    new = render.haproxy(c.paths, c.config, n)
    said = c.external.check_haproxy_config(new)
    if said is not None:
        c.out.warn(said)
        raise Stop(f"generated {new} is invalid (template: {c.paths.templates}/haproxy.cfg.tmpl)")
    return new
