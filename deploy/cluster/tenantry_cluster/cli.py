# Where a cluster command starts (`python3 deploy/cluster COMMAND`, which
# ./tenantry runs once dependencies are installed and the binaries built):
# the settings are read, checked and resolved, the real supervisord, HAProxy
# and probes wired, and the command run. Its exit status is the command's.
import os
import re
import sys
import xmlrpc.client

from . import (api_settings, bringup, cluster_env, env_check, lock, paths as paths_mod, rollout,
               scaling, settings, settings_doc, status as status_mod, teardown)
from .cluster import Cluster
from .external import External
from .haproxy import Haproxy, HaproxyUnavailable
from .output import Output, Stop
from .probes import Probes
from .render import RenderError, replica_value_problem
from .supervisor import Supervisor, SupervisorUnavailable
from .waiting import Clock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

USAGE = """usage: python3 deploy/cluster COMMAND
  up | down | status | scale api=N | deploy    the cluster commands (see ./tenantry help)
  settings-help                                the settings part of ./tenantry help
  settings-table [--write README.md]           the README's settings table, or write it there"""


def main(argv: list[str], environ=None, out: Output | None = None) -> int:
    environ = os.environ if environ is None else environ
    out = out or Output()
    if not argv:
        out.warn(USAGE)
        return 2
    cmd, args = argv[0], argv[1:]
    try:
        if cmd in ("up", "down", "status", "deploy") and args:
            raise Stop(f"usage: ./tenantry {cmd}")
        if cmd == "settings-help":
            sys.stdout.write(settings_doc.help_text())
            return 0
        if cmd == "settings-table":
            return _settings_table(args)
        commands = {"up": _up, "down": _down, "status": _status, "scale": _scale, "deploy": _deploy}
        if cmd not in commands:
            raise Stop(f"unknown command '{cmd}' (./tenantry help lists the commands)")
        return commands[cmd](args, environ, out) or 0
    except Stop as s:
        if s.message:
            out.warn(s.message)
        return s.status
    except (RenderError, HaproxyUnavailable, SupervisorUnavailable, xmlrpc.client.Fault) as e:
        out.warn(str(e))
        return 1


def _settings_table(args: list[str]) -> int:
    if not args:
        sys.stdout.write(settings_doc.readme_table())
        return 0
    if len(args) != 2 or args[0] != "--write":
        raise Stop("usage: python3 deploy/cluster settings-table [--write README.md]", 2)
    with open(args[1], encoding="utf-8") as f:
        text = f.read()
    try:
        text = settings_doc.replace_region(text)
    except ValueError as e:
        raise Stop(str(e)) from None
    with open(args[1], "w", encoding="utf-8") as f:
        f.write(text)
    return 0


# ------------------------------------------------------------ the commands

def _up(args, environ, out) -> None:
    paths = _checked_paths(environ)
    _lock = lock.take(paths.var)
    build = _build_dir(environ)
    binary = _built(build)
    config = _settings(paths, environ, out, "up", binary, can_write=True)
    bringup.up(_wire(paths, config, environ, out, build), binary)


def _down(args, environ, out) -> None:
    paths = paths_mod.from_environ(environ, ROOT, os.getcwd())
    sup = Supervisor(paths("supervisor.sock"))
    if not _running(paths, sup):
        out.info(f"no cluster is running in {paths.var}")
        return
    _lock = lock.take(paths.var)
    teardown.down(_wire(paths, cluster_env.Config(settings.defaults()), environ, out))


def _status(args, environ, out) -> int:
    paths = paths_mod.from_environ(environ, ROOT, os.getcwd())
    if not _running(paths, Supervisor(paths("supervisor.sock"))):
        out.info(f"no cluster is running in {paths.var} (start it: ./tenantry up)")
        return 3
    config = _settings(paths, environ, out, "status", paths("current", "tenantry-api"), can_write=False)
    return status_mod.status(_wire(paths, config, environ, out))


def _scale(args, environ, out) -> None:
    if len(args) != 1:
        raise Stop("usage: ./tenantry scale api=N")
    m = re.fullmatch(r"api=([0-9]+)", args[0])
    if not m:
        raise Stop(f"usage: ./tenantry scale api=N (N = 1..{settings.MAX_REPLICAS})")
    n = int(m[1])
    if not 1 <= n <= settings.MAX_REPLICAS:
        raise Stop(f"api={n}: N must be 1..{settings.MAX_REPLICAS}")
    paths = _checked_paths(environ)
    _require_running(paths)
    _lock = lock.take(paths.var)
    config = _settings(paths, environ, out, "scale", paths("current", "tenantry-api"), can_write=True)
    scaling.scale(_wire(paths, config, environ, out), n)


def _deploy(args, environ, out) -> None:
    paths = _checked_paths(environ)
    _require_running(paths)
    _lock = lock.take(paths.var)
    build = _build_dir(environ)
    binary = _built(build)
    config = _settings(paths, environ, out, "deploy", binary, can_write=True)
    rollout.run(_wire(paths, config, environ, out, build), binary)


# ------------------------------------------------------------ the pieces

def _checked_paths(environ) -> paths_mod.Paths:
    paths = paths_mod.from_environ(environ, ROOT, os.getcwd())
    problem = paths_mod.problem(paths)
    if problem:
        raise Stop(problem)
    return paths


def _running(paths, sup) -> bool:
    return os.path.isfile(paths("supervisord.conf")) and os.path.exists(paths("supervisor.sock")) \
        and sup.is_running()


def _require_running(paths) -> None:
    if not (os.path.isdir(paths.var) and _running(paths, Supervisor(paths("supervisor.sock")))):
        raise Stop(f"no cluster is running in {paths.var} (start it: ./tenantry up)")


def _build_dir(environ) -> str:
    return os.path.join(os.getcwd(), environ.get("TENANTRY_BUILD_DIR") or os.path.join(ROOT, "build", "release"))


def _built(build: str) -> str:
    for name in ("tenantry-api", "tenantry-migrate", "tenantryctl"):
        if not os.access(os.path.join(build, "bin", name), os.X_OK):
            raise Stop(f"{build}/bin/{name} does not exist (./tenantry up and deploy build it)")
    return os.path.join(build, "bin", "tenantry-api")


def _command_setting(name: str, environ) -> str:
    try:
        return settings.command_setting(name, environ)
    except ValueError as e:
        raise Stop(str(e)) from None


def _settings(paths, environ, out, mode: str, binary: str, can_write: bool) -> cluster_env.Config:
    """The settings of MODE's command, checked: the environment's variables
    (warnings, or exit 2 with TENANTRY_STRICT_CONFIG=1), then cluster.env
    (written with the new names if it has old ones) and the environment
    resolved, then validated. BINARY is the tenantry-api whose settings the
    replicas will get; `status` goes on without them when it cannot say."""
    strict = _command_setting("TENANTRY_STRICT_CONFIG", environ) == "1"
    try:
        api = api_settings.ask(binary)
        api_names = [s.name for s in api]
    except api_settings.SettingsUnavailable as e:
        if mode != "status":
            raise Stop(f"{e}: the cluster passes on to the replicas the settings their tenantry-api "
                       "declares, so it needs one that answers --settings") from None
        out.warn(f"{e}; the environment's variables are not checked")
        api, api_names = None, None
    found = env_check.problems(environ, api_names)
    for problem in found:
        out.warn(problem)
    if found and strict:
        raise Stop(f"TENANTRY_STRICT_CONFIG=1: stopping on the variable{'s' if len(found) > 1 else ''} above", 2)

    file = paths("cluster.env")
    recorded, renamed = cluster_env.migrate(cluster_env.read(file))
    for old, new in renamed:
        out.warn(f"{file}: {old} is now {new}; read as {new}, and the file is written with the new name")
    if renamed:
        held = None if can_write else lock.try_take(paths.var)
        if can_write or held:
            cluster_env.write_values(file, recorded)
        if held:
            held.close()
    if api is None:  # status without the replicas' settings: what is recorded is passed on
        passed = [n for n in recorded if n not in settings.BY_NAME]
        config = cluster_env.load(recorded, mode, {}, passed, lambda _: None)
    else:
        config = cluster_env.load(recorded, mode, environ, api_settings.passed_on(api), out.warn)
    problems = settings.validate(config.cluster)
    if problems:
        raise Stop(problems[0])
    for name, value in config.replica.items():
        if problem := replica_value_problem(name, value):
            raise Stop(problem)
    return config


def _wire(paths, config, environ, out, build_dir: str = "") -> Cluster:
    external = External(paths, out, build_dir)
    return Cluster(
        paths=paths,
        config=config,
        supervisor=Supervisor(paths("supervisor.sock")),
        haproxy=Haproxy(paths("haproxy.sock")),
        probes=Probes(external.pg_bindir, paths("secrets", "redis-password")),
        external=external,
        clock=Clock(),
        out=out,
        wait_secs=int(_command_setting("TENANTRY_WAIT_SECS", environ)),
    )
