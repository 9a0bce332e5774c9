# The one declaration of every setting of the local cluster and of ./tenantry
# itself: name, type, default, bounds and a line of help. Parsing, validation,
# `./tenantry help` and the README's table are all made from it.
import ipaddress
import re
from dataclasses import dataclass

MAX_REPLICAS = 32

# Environment variables with these prefixes belong to the project: one that
# nothing reads is a typo or a leftover (env_check.py).
PROJECT_PREFIXES = ("TENANTRY_", "DATABASE_", "REDIS_", "PLATFORM_", "SYSTEM_", "MIGRATE_")

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # integer, port, ipv4, host, path, flag
    default: str
    help: str
    low: int | None = None
    high: int | None = None
    unit: str = ""  # "connections": "must be a number of connections, 1..N"

    def problem(self, value: str) -> str | None:
        """Why VALUE is not acceptable, as 'NAME=VALUE: reason', or None."""
        reason = _reason(self, value)
        return None if reason is None else f"{self.name}={value}: {reason}"

    def allowed(self) -> str:
        """The values it takes, for the README's table."""
        if self.kind == "integer":
            return f"{self.low}..{self.high}"
        if self.kind == "port":
            return "port" if self.high == 65535 else f"port, at most {self.high}"
        return {
            "ipv4": "IPv4 address",
            "host": "host name or IPv4 address",
            "path": "path",
            "flag": "0 or 1",
        }[self.kind]


def _reason(s: Setting, value: str) -> str | None:
    if s.kind in ("integer", "port"):
        n = int(value) if value.isascii() and value.isdigit() else None
        if s.kind == "port":
            if n is None or not 1 <= n <= 65535:
                return "not a port number"
            if n > s.high:
                return f"too high for {MAX_REPLICAS} replicas"
            return None
        if n is None or not s.low <= n <= s.high:
            if s.unit:
                return f"must be a number of {s.unit}, {s.low}..{s.high}"
            return f"must be {s.low}..{s.high}"
        return None
    if s.kind == "ipv4":
        try:
            ipaddress.IPv4Address(value)
            return None
        except ValueError:
            return "must be an IPv4 address"
    if s.kind == "host":
        if _HOST.match(value):
            return None
        return "must be a host name or IPv4 address (letters, digits, . and -)"
    if s.kind == "flag":
        return None if value in ("0", "1") else "must be 0 or 1"
    return None


def _port(name: str, default: int, help: str, base: bool = False) -> Setting:
    return Setting(name, "port", str(default), help, 1, 65535 - MAX_REPLICAS if base else 65535)


# Recorded in $TENANTRY_VAR/cluster.env by `up`; later commands use the
# recorded values (cluster_env.py has the precedence).
CLUSTER = (
    Setting("API_REPLICAS", "integer", "3", "replicas started by up", 1, MAX_REPLICAS),
    Setting("TENANTRY_LB_ADDR", "ipv4", "127.0.0.1", "address HAProxy listens on"),
    _port("TENANTRY_LB_HTTPS_PORT", 8443, "HAProxy, TLS (self-signed certificate made at up)"),
    _port("TENANTRY_LB_HTTP_PORT", 8080, "HAProxy, plain HTTP: 301 to HTTPS"),
    _port("TENANTRY_API_PORT_BASE", 8100, "replica i listens on 127.0.0.1:base+i", base=True),
    _port("TENANTRY_ADMIN_PORT_BASE", 9100, "replica i's admin listener (/metrics) on base+i", base=True),
    _port("TENANTRY_PG_PORT", 55432, "PostgreSQL (a password per role in secrets/pg/)"),
    _port("TENANTRY_REDIS_PORT", 56379, "Redis (password in secrets/)"),
    _port("TENANTRY_HAPROXY_STATS_PORT", 8404, "HAProxy's /metrics and /stats"),
    Setting("TENANTRY_PUBLIC_HOST", "host", "localhost",
            "host that plain HTTP redirects to (never the request's Host header)"),
    Setting("TENANTRY_HAPROXY_MAXCONN", "integer", "2000", "connections HAProxy holds at once",
            1, 9999999, "connections"),
    Setting("TENANTRY_HAPROXY_SERVER_MAXCONN", "integer", "256",
            "requests in flight per replica; more wait in HAProxy's queue (5 s, then 503)",
            1, 9999999, "connections"),
)

# Settings of ./tenantry itself: never recorded, read on each run.
COMMAND = (
    Setting("TENANTRY_VAR", "path", "./var", "state directory: data, logs, configs, secrets, releases"),
    Setting("TENANTRY_BUILD_DIR", "path", "./build/release", "where up and deploy build"),
    Setting("TENANTRY_SKIP_BUILD", "flag", "0",
            "1: up and deploy take TENANTRY_BUILD_DIR/bin as it is, without building"),
    Setting("TENANTRY_WAIT_SECS", "integer", "60", "bound of each wait for health", 1, 86400, "seconds"),
    Setting("TENANTRY_TEST_JOBS", "integer", "2", "ctest parallelism of `./tenantry test`", 1, 256),
    Setting("TENANTRY_STRICT_CONFIG", "flag", "0",
            "1: a variable of the project's prefixes that nothing reads stops the command (exit 2)"),
)

# Names an old cluster.env or an operator's habit may still use.
RENAMED = {
    "TENANTRY_HTTPS_PORT": "TENANTRY_LB_HTTPS_PORT",
    "TENANTRY_HTTP_PORT": "TENANTRY_LB_HTTP_PORT",
}

# Variables of the project that other programs read, which may be in the
# environment of ./tenantry for good reason.
ELSEWHERE = {
    "MIGRATE_DATABASE_URL": "tenantry-migrate",
    "SYSTEM_DATABASE_URL": "tenantryctl",
    "REDIS_MAXMEMORY": "scripts/redis",
    "TENANTRY_E2E_KEEP": "tests/e2e/lib.sh (keep a test's directory)",
}

BY_NAME = {s.name: s for s in CLUSTER + COMMAND}


def defaults() -> dict[str, str]:
    return {s.name: s.default for s in CLUSTER}


def command_setting(name: str, environ) -> str:
    """A setting of ./tenantry from ENVIRON, or its default; raises ValueError
    naming it when the value is not acceptable."""
    s = BY_NAME[name]
    value = environ.get(name, "") or s.default
    problem = s.problem(value)
    if problem:
        raise ValueError(problem)
    return value


def validate(values: dict[str, str], replicas: int | None = None) -> list[str]:
    """Every problem of a set of cluster settings (empty when none): each
    value against its declaration, then no two listeners on one port for
    REPLICAS replicas (API_REPLICAS when not given)."""
    problems = [p for s in CLUSTER if (p := s.problem(values[s.name]))]
    if problems:
        return problems
    seen: dict[int, str] = {}
    n = replicas if replicas is not None else int(values["API_REPLICAS"])
    for port, setting, what in listeners(values, n):
        if port in seen:
            return [f"port {port} is used twice: by {what} ({setting}) and by {seen[port]}"]
        seen[port] = f"{what} ({setting})"
    return []


def listeners(values: dict[str, str], n: int, first_replica: int = 1):
    """(port, setting, what) of every listener of a cluster of N replicas;
    from FIRST_REPLICA on, the replicas' only when FIRST_REPLICA > 1."""
    if first_replica == 1:
        yield int(values["TENANTRY_LB_HTTPS_PORT"]), "TENANTRY_LB_HTTPS_PORT", "haproxy-https"
        yield int(values["TENANTRY_LB_HTTP_PORT"]), "TENANTRY_LB_HTTP_PORT", "haproxy-http"
        yield int(values["TENANTRY_HAPROXY_STATS_PORT"]), "TENANTRY_HAPROXY_STATS_PORT", "haproxy-stats"
        yield int(values["TENANTRY_PG_PORT"]), "TENANTRY_PG_PORT", "postgres"
        yield int(values["TENANTRY_REDIS_PORT"]), "TENANTRY_REDIS_PORT", "redis"
    for i in range(first_replica, n + 1):
        yield int(values["TENANTRY_API_PORT_BASE"]) + i, "TENANTRY_API_PORT_BASE", f"api-{i}"
        yield int(values["TENANTRY_ADMIN_PORT_BASE"]) + i, "TENANTRY_ADMIN_PORT_BASE", f"api-{i}-admin"
