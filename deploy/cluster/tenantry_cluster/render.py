# The cluster's configuration files, made from the templates in deploy/local
# (their {{NAME}} placeholders): supervisord's, one program file per process,
# and HAProxy's. Also the environment each replica gets.
import os
import re

from .api_settings import SET_BY_CLUSTER
from .cluster_env import Config
from .paths import Paths

_PLACEHOLDER = re.compile(r"\{\{[A-Z_]+\}\}")
_API_CONF = re.compile(r"^api-([0-9]+)\.conf$")


class RenderError(Exception):
    pass


def fill(template: str, text: str, values: dict[str, str]) -> str:
    """TEXT (of file TEMPLATE) with each {{KEY}} replaced by VALUES[KEY];
    RenderError when a placeholder has no value."""
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    left = _PLACEHOLDER.search(text)
    if left:
        raise RenderError(f"{template}: no value for {left[0]}")
    return text


def render(template: str, out: str, **values) -> None:
    try:
        with open(template, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        raise RenderError(f"cannot read template {template}") from None
    write(out, fill(template, text.rstrip("\n"), values) + "\n")


def write(path: str, text: str) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def replica_value_problem(name: str, value: str) -> str | None:
    """Why VALUE cannot go into supervisord's environment= line, or None."""
    if any(c in value for c in '\n\r"'):
        return f"{name}: must not contain newlines or double quotes"
    return None


def supervisor_environment(pairs: list[tuple[str, str]]) -> str:
    """supervisord's environment= syntax: KEY="value",... Quotes keep commas
    in a value; % is doubled, since supervisord expands %(...)s there."""
    for name, value in pairs:
        problem = replica_value_problem(name, value)
        if problem:
            raise RenderError(problem)
    return ",".join(f'{name}="{value.replace("%", "%%")}"' for name, value in pairs)


def replica_environment(paths: Paths, config: Config, i: int, pg_url) -> list[tuple[str, str]]:
    """What replica I is started with: what the cluster sets (every name of
    api_settings.SET_BY_CLUSTER), then the settings passed on."""
    own = [
        ("TENANTRY_HTTP_ADDR", "127.0.0.1"),
        ("TENANTRY_HTTP_PORT", str(config.num("TENANTRY_API_PORT_BASE") + i)),
        ("TENANTRY_ADMIN_PORT", str(config.num("TENANTRY_ADMIN_PORT_BASE") + i)),
        ("TENANTRY_REPLICA", f"api-{i}"),
        ("DATABASE_URL", pg_url("tenantry_app")),
        ("PLATFORM_DATABASE_URL", pg_url("tenantry_platform")),
        ("REDIS_URL", f"redis://127.0.0.1:{config.cluster['TENANTRY_REDIS_PORT']}"),
        ("REDIS_PASSWORD_FILE", paths("secrets", "redis-password")),
        ("TENANTRY_JWKS_FILE", paths("secrets", "keys", "jwks.json")),
        ("TENANTRY_JWT_SIGNING_KEY_FILE", paths("secrets", "keys", "signing-key.pem")),
        # An unknown TENANTRY_* variable stops a replica instead of being ignored.
        ("TENANTRY_STRICT_CONFIG", "1"),
    ]
    assert tuple(k for k, _ in own) == SET_BY_CLUSTER
    return own + [(k, v) for k, v in config.replica.items() if k not in SET_BY_CLUSTER]


def _milliseconds(config: Config, name: str, default: str) -> int:
    value = config.replica.get(name, default)
    if not (value.isascii() and value.isdigit()):
        raise RenderError(f"{name}={value}: not a number of milliseconds")
    return int(value)


def api_program(paths: Paths, config: Config, i: int, pg_url) -> None:
    """supervisor.d/api-I.conf. supervisord's stopwaitsecs stays above the
    replica's drain delay and shutdown timeout, so it never SIGKILLs a
    draining replica."""
    drain = _milliseconds(config, "TENANTRY_DRAIN_DELAY_MS", "3000")
    shutdown = _milliseconds(config, "TENANTRY_SHUTDOWN_TIMEOUT_MS", "20000")
    render(os.path.join(paths.templates, "program-api.conf.tmpl"), paths("supervisor.d", f"api-{i}.conf"),
           NAME=f"api-{i}", VAR=paths.var,
           ENVIRONMENT=supervisor_environment(replica_environment(paths, config, i, pg_url)),
           STOP_WAIT_SECS=(drain + shutdown) // 1000 + 10)


def supervisor(paths: Paths, config: Config, n: int, pg_url, haproxy_bin: str) -> None:
    """supervisord.conf and a program file per process of a cluster of N
    replicas; the files of replicas above N go."""
    os.makedirs(paths("supervisor.d"), exist_ok=True)
    os.makedirs(paths("log"), exist_ok=True)
    t = paths.templates
    render(os.path.join(t, "supervisord.conf.tmpl"), paths("supervisord.conf"), VAR=paths.var)
    render(os.path.join(t, "program-postgres.conf.tmpl"), paths("supervisor.d", "postgres.conf"),
           ROOT=paths.root, VAR=paths.var, PG_PORT=config.cluster["TENANTRY_PG_PORT"])
    render(os.path.join(t, "program-redis.conf.tmpl"), paths("supervisor.d", "redis.conf"),
           ROOT=paths.root, VAR=paths.var, REDIS_PORT=config.cluster["TENANTRY_REDIS_PORT"])
    render(os.path.join(t, "program-haproxy.conf.tmpl"), paths("supervisor.d", "haproxy.conf"),
           VAR=paths.var, HAPROXY_BIN=haproxy_bin)
    for i in range(1, n + 1):
        api_program(paths, config, i, pg_url)
    for f in os.listdir(paths("supervisor.d")):
        m = _API_CONF.match(f)
        if m and int(m[1]) > n:
            os.remove(paths("supervisor.d", f))


def haproxy(paths: Paths, config: Config, n: int) -> str:
    """$TENANTRY_VAR/haproxy.cfg.new for N replicas (its path). The caller
    checks it (haproxy -c) before it replaces haproxy.cfg."""
    c = config.cluster
    servers = "\n".join(
        f"    server api{i} 127.0.0.1:{config.num('TENANTRY_API_PORT_BASE') + i}" for i in range(1, n + 1))
    https = c["TENANTRY_LB_HTTPS_PORT"]
    out = paths("haproxy.cfg.new")
    render(os.path.join(paths.templates, "haproxy.cfg.tmpl"), out,
           VAR=paths.var, LB_ADDR=c["TENANTRY_LB_ADDR"], LB_HTTPS_PORT=https,
           LB_HTTPS_PORT_SUFFIX="" if https == "443" else f":{https}",
           LB_HTTP_PORT=c["TENANTRY_LB_HTTP_PORT"], PUBLIC_HOST=c["TENANTRY_PUBLIC_HOST"],
           HAPROXY_MAXCONN=c["TENANTRY_HAPROXY_MAXCONN"],
           HAPROXY_SERVER_MAXCONN=c["TENANTRY_HAPROXY_SERVER_MAXCONN"],
           HAPROXY_STATS_PORT=c["TENANTRY_HAPROXY_STATS_PORT"], API_SERVERS=servers)
    state = paths("haproxy.state")
    if not os.path.exists(state) or os.path.getsize(state) == 0:
        write(state, "1\n")
    return out


def default_server_options(haproxy_cfg: str) -> str:
    """The default-server options of backend api in HAProxy's config: a
    server added at runtime does not inherit them."""
    in_backend = False
    with open(haproxy_cfg, encoding="utf-8") as f:
        for line in f:
            if line[:1].isalpha():
                in_backend = line.strip() == "backend api"
                continue
            words = line.split()
            if in_backend and words[:1] == ["default-server"]:
                return " ".join(words[1:])
    return ""
