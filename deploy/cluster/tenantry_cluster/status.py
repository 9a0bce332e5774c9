# `./tenantry status`: each process's supervisor state, pid and health, and
# HAProxy's view of each replica. 0 when all is healthy, 1 when something is
# not (3, no cluster at all, is cli.py's).
from . import releases
from .haproxy import HaproxyUnavailable

_UNHEALTHY = ("NOT", "NO answer", "no answer", "not in HAProxy", "DOWN", "MAINT")


def status(c) -> int:
    cfg = c.config.cluster
    rc = 0
    release = releases.name(releases.current(c.paths.var))
    c.out.info(f"cluster in {c.paths.var}, release {release}, {c.replicas} API replicas")
    row = lambda *f: c.out.info(f"{f[0]:<10} {f[1]:<9} {f[2]:<8} {f[3]}")
    row("PROCESS", "STATE", "PID", "HEALTH")
    try:
        servers = c.haproxy.servers()
    except HaproxyUnavailable:
        servers = {}
    code = lambda url: c.probes.http_code(url).replace("000", "no answer")
    for p in c.supervisor.processes():
        if p.name == "postgres":
            port = cfg["TENANTRY_PG_PORT"]
            health = (f"accepting connections on :{port}" if c.probes.pg_ready(port)
                      else f"NOT accepting connections on :{port}")
        elif p.name == "redis":
            port = cfg["TENANTRY_REDIS_PORT"]
            health = f"PONG on :{port}" if c.probes.redis_ready(port) else f"NO answer on :{port}"
        elif p.name == "haproxy":
            addr, port = cfg["TENANTRY_LB_ADDR"], cfg["TENANTRY_LB_HTTPS_PORT"]
            health = f"https /readyz {code(f'https://{addr}:{port}/readyz')} on :{port}"
        elif p.name.startswith("api-"):
            i = int(p.name[4:])
            s = servers.get(f"api{i}")
            lb = f"{s.status} ({s.sessions} sessions)" if s else "not in HAProxy (- sessions)"
            port = c.api_port(i)
            health = f"readyz {code(f'http://127.0.0.1:{port}/readyz')} on :{port}, HAProxy: {lb}"
        else:
            health = "-"
        if any(word in health for word in _UNHEALTHY):
            rc = 1
        if "readyz 200" not in health and p.name not in ("postgres", "redis"):
            rc = 1
        if p.state != "RUNNING":
            rc = 1
        row(p.name, p.state, p.pid, health)
    programs = {p.name for p in c.supervisor.processes()}
    for srv in servers:
        if f"api-{srv.removeprefix('api')}" not in programs:
            row(f"({srv})", "-", "-", "in HAProxy but no such program")
            rc = 1
    return rc
