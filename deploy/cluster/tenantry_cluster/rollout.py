# `./tenantry deploy`'s rolling restart: one replica at a time, drained in
# HAProxy, stopped (SIGTERM: it finishes its requests), started on the new
# release, waited for until ready, and put back in rotation. A replica that
# never becomes ready on the new release is rolled back to the release and
# settings it ran before, and the deploy stops.
import os
from dataclasses import dataclass, field

from . import cluster_env, credentials, releases, render, steps
from .haproxy import HaproxyUnavailable
from .output import Stop


@dataclass
class Rollout:
    release: str  # the new release's id
    previous: str  # what "current" pointed at before ("releases/<id>"), '' when nothing
    changed: set[str] = field(default_factory=set)  # programs whose file the deploy changed
    previous_programs: dict[int, str] = field(default_factory=dict)  # replica -> its program file before
    previous_settings: str | None = None  # cluster.env before the deploy


def run(c, binary: str) -> None:
    """Installs BINARY as a new release, applies what must come before the
    code (secrets, roles, migrations), then rolls the replicas onto it."""
    r = Rollout(release="", previous=releases.current(c.paths.var))
    r.previous_programs = previous_programs(c)
    r.previous_settings = _text(c.paths("cluster.env"))
    r.release = releases.install(c.paths.var, binary)
    cluster_env.write(c.paths("cluster.env"), c.config)
    credentials.make_secrets(c.paths.var, c.external)
    # Roles first (a release may add one), then expand, then the code
    # (ADR-009). A contract migration may only drop what an earlier release
    # stopped using (tenantry-migrate lint), so the replicas still running
    # that release do not miss it either.
    c.external.pg_bootstrap(c.config.cluster["TENANTRY_PG_PORT"])
    for i in range(1, c.replicas + 1):
        render.api_program(c.paths, c.config, i, c.pg_url)
    # Replicas whose settings changed get them when restarted.
    r.changed = set(c.supervisor.reread()[1])
    deploy(c, r)


def _text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def previous_programs(c) -> dict[int, str]:
    """The program file of each replica as it is before a deploy rewrites it."""
    result = {}
    for i in range(1, c.replicas + 1):
        try:
            with open(c.paths("supervisor.d", f"api-{i}.conf"), encoding="utf-8") as f:
                result[i] = f.read()
        except FileNotFoundError:
            pass
    return result


def deploy(c, r: Rollout) -> None:
    n = c.replicas
    t0 = c.clock.now()
    c.out.info(f"deploying release {r.release} to {n} replicas, one at a time")
    for i in range(1, n + 1):
        deploy_one(c, r, i, n)
    c.out.info(f"deploy done in {int(c.clock.now() - t0)}s: {n} replicas run release {r.release}")


def deploy_one(c, r: Rollout, i: int, n: int) -> None:
    name, srv, tag = f"api-{i}", f"api{i}", f"[{i}/{n}] api-{i}:"
    t0 = c.clock.now()
    old = steps.program_pid(c, name)
    c.out.info(f"{tag} draining in HAProxy")
    try:
        idle = steps.drain(c, i)
    except HaproxyUnavailable:
        raise Stop(f"{tag} HAProxy's runtime API did not answer ({c.paths('haproxy.sock')})") from None
    if not idle:
        c.out.warn(f"{tag} still has requests in HAProxy after 30s; stopping anyway "
                   "(the replica finishes in-flight requests)")
    if old == 0:
        c.out.info(f"{tag} was not running")
    else:
        c.out.info(f"{tag} stopping pid {old} (SIGTERM: it finishes its requests and exits)")
        stop(c, tag, name)
        info = c.supervisor.process(name)
        if info is not None and info.exitstatus != 0:
            c.out.warn(f"{tag} pid {old} exited with status {info.exitstatus}, not 0; log: {c.paths.log(name)}")
    if name in r.changed:
        steps.update_program(c, name)
    c.out.info(f"{tag} starting on release {r.release}")
    c.supervisor.start(name)
    if not (steps.wait_replica_ready(c, i) and steps.wait_running(c, name)):
        roll_back(c, r, i, n)
    c.haproxy.set_state(srv, "ready")
    if not steps.wait_server_up(c, srv, c.wait_secs):
        raise Stop(f"{tag} HAProxy did not mark it UP within {c.wait_secs}s (it says: "
                   f"{steps.server_status(c, srv)}); log: {c.paths.log('haproxy')}")
    new = steps.program_pid(c, name)
    c.out.info(f"{tag} UP in HAProxy, pid {old or '(none)'} -> {new} ({int(c.clock.now() - t0)}s)")


def stop(c, tag: str, name: str) -> None:
    if not steps.stop_program(c, name):
        c.out.warn(f"{tag} {name} still runs 120s after it was asked to stop; log: {c.paths.log(name)}")


def roll_back(c, r: Rollout, i: int, n: int) -> None:
    """Replica I did not become ready on the new release: it goes back to
    the release and settings it ran before and into rotation again, and the
    deploy stops (always raises Stop). Replicas before it stay on the new
    release; "current" and cluster.env go back, so that a replica that
    restarts, or one that `scale` adds, runs what ran before."""
    name, srv, tag = f"api-{i}", f"api{i}", f"[{i}/{n}] api-{i}:"
    try:
        c.haproxy.set_state(srv, "maint")
    except HaproxyUnavailable:
        pass
    stop(c, tag, name)
    back_to = r.previous if r.previous and os.path.isdir(c.paths(r.previous)) else releases.current(c.paths.var)
    releases.point_current(c.paths.var, back_to)
    if r.previous_settings is not None:
        render.write(c.paths("cluster.env"), r.previous_settings)
    for j, text in r.previous_programs.items():
        if j >= i:  # the replicas that have not run the new settings yet
            render.write(c.paths("supervisor.d", f"api-{j}.conf"), text)
    steps.update_program(c, name)
    previous = releases.name(back_to)
    c.out.info(f"{tag} rolling back to release {previous} and its previous settings")
    c.supervisor.start(name)
    if steps.wait_replica_ready(c, i) and steps.wait_running(c, name):
        c.haproxy.set_state(srv, "ready")
        if steps.wait_server_up(c, srv, c.wait_secs):
            raise Stop(f"{tag} deploy stopped: release {r.release} is not ready on {name}, which was rolled "
                       f"back to release {previous} and is in rotation again; {_others(r, i, previous)}. "
                       "Fix, then rerun ./tenantry deploy.")
    try:
        c.haproxy.set_state(srv, "maint")
    except HaproxyUnavailable:
        pass
    stop(c, tag, name)
    raise Stop(f"{tag} deploy stopped: release {r.release} is not ready on {name}, nor is release {previous} "
               f"it was rolled back to: {name} stays stopped and in maintenance in HAProxy; "
               f"{_others(r, i, previous)}. Fix, then rerun ./tenantry deploy.")


def _others(r: Rollout, i: int, previous: str) -> str:
    after = f"current points at {previous} again"
    if i == 1:
        return f"the other replicas keep serving {previous} ({after})"
    done = "api-1" if i == 2 else f"api-1..api-{i - 1}"
    return f"{done} run release {r.release}, the others {previous} ({after})"
