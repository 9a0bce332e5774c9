# Fakes of what the orchestrator talks to, in one process and on one fake
# clock: supervisord (programs that start, become ready or fail, drain on
# SIGTERM), HAProxy's backend api (admin states, sessions, health from the
# replicas' readiness), the probes and the external programs. A World ties
# them together so that a step's effect on one shows in the others.
import os
import re
import shutil
import sys
import tempfile
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "deploy", "cluster"))

from tenantry_cluster import api_settings, cluster_env, render, settings  # noqa: E402
from tenantry_cluster.cluster import Cluster  # noqa: E402
from tenantry_cluster.haproxy import ServerStat  # noqa: E402
from tenantry_cluster.paths import Paths  # noqa: E402
from tenantry_cluster.supervisor import ProcessInfo, STILL_RUNNING  # noqa: E402

# What a tenantry-api would print for --settings: a few of each kind.
FAKE_API_SETTINGS = """\
DATABASE_URL\turl\t\tlibpq URI of the primary
PLATFORM_DATABASE_URL\turl\t\tthe platform role's URI
TENANTRY_HTTP_ADDR\ttext\t127.0.0.1\tpublic listener's address
TENANTRY_HTTP_PORT\tinteger\t8081\tpublic listener
TENANTRY_ADMIN_PORT\tinteger\t9091\tadmin listener
TENANTRY_REPLICA\ttext\t\tname in every log line
REDIS_URL\turl\tredis://127.0.0.1:6379\tRedis
REDIS_PASSWORD_FILE\tfile\t\tRedis password
TENANTRY_JWKS_FILE\tfile\t\tJWKS
TENANTRY_JWT_SIGNING_KEY_FILE\tfile\t\tsigning key
TENANTRY_STRICT_CONFIG\tboolean\tfalse\tunknown variables stop the start
TENANTRY_THREADS\tinteger\t\tthreads
TENANTRY_DRAIN_DELAY_MS\tduration\t3000\tdrain delay
TENANTRY_SHUTDOWN_TIMEOUT_MS\tduration\t20000\tshutdown timeout
TENANTRY_TRUSTED_PROXIES\tlist\t127.0.0.0/8,::1/128\ttrusted proxies
TENANTRY_ENABLE_TEST_ENDPOINTS\tboolean\tfalse\ttest routes
"""
API = api_settings.parse(FAKE_API_SETTINGS)
PASSED_ON = api_settings.passed_on(API)


class FakeClock:
    def __init__(self):
        self.t = 1000.0
        self.listeners = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        for tick in self.listeners:
            tick(self.t)


class RecordingOutput:
    def __init__(self):
        self.lines = []  # ("info" | "warn", text)

    def info(self, text):
        self.lines.append(("info", text))

    def warn(self, text):
        self.lines.append(("warn", text))

    def show_log(self, path, lines=15):
        self.lines.append(("log", path))

    def text(self) -> str:
        return "\n".join(t for _, t in self.lines)


class FakeProgram:
    def __init__(self, name, conf):
        self.name, self.conf = name, conf
        self.state, self.pid, self.exitstatus = "STOPPED", 0, 0
        self.since = 0.0
        self.broken = False  # never becomes ready; FATAL after its retries
        self.release = ""


class FakeSupervisor:
    """supervisord with its programs from $TENANTRY_VAR/supervisor.d. A
    started program is RUNNING after 1 s and ready after 2 s, unless World
    says it is broken (then FATAL after 15 s of retries). SIGTERM or a stop:
    it drains for 1 s, then exits 0."""

    def __init__(self, world):
        self.world = world
        self.programs: dict[str, FakeProgram] = {}
        self.next_pid = 100
        self.calls = []
        for f in sorted(os.listdir(world.paths("supervisor.d"))):
            name = f[:-5]
            self.programs[name] = FakeProgram(name, self._file(name))

    def _file(self, name):
        try:
            with open(self.world.paths("supervisor.d", name + ".conf")) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def tick(self, now):
        for p in self.programs.values():
            if p.state == "STARTING" and now - p.since >= 1:
                if p.broken:
                    p.state, p.since = "BACKOFF", now
                else:
                    p.state = "RUNNING"
            elif p.state == "BACKOFF" and now - p.since >= 14:
                p.state, p.pid = "FATAL", 0
            elif p.state == "STOPPING" and now - p.since >= 1:
                p.state, p.pid, p.exitstatus = p.stop_as, 0, 0

    # the interface of supervisor.Supervisor
    def is_running(self):
        return True

    def pid(self):
        return 1

    def processes(self):
        return [self.process(n) for n in sorted(self.programs)]

    def process(self, name):
        p = self.programs.get(name)
        return None if p is None else ProcessInfo(p.name, p.state, p.pid, p.exitstatus)

    def start(self, name):
        self.calls.append(("start", name))
        p = self.programs[name]
        if p.state in ("RUNNING", "STARTING"):
            return
        self.next_pid += 1
        p.state, p.pid, p.since = "STARTING", self.next_pid, self.world.clock.now()
        p.release = os.readlink(self.world.paths("current"))
        p.broken = self.world.is_broken(name, p.release, p.conf)

    def stop(self, name):
        self.calls.append(("stop", name))
        self._end(name, "STOPPED")

    def signal(self, name, sig):
        self.calls.append(("signal", name, sig))
        self._end(name, "EXITED")

    def _end(self, name, final):
        p = self.programs[name]
        if p.state in ("RUNNING", "STARTING"):
            p.state, p.since, p.stop_as = "STOPPING", self.world.clock.now(), final
        elif p.state == "BACKOFF":
            p.state, p.pid = "STOPPED", 0

    def reread(self):
        files = {f[:-5] for f in os.listdir(self.world.paths("supervisor.d")) if f.endswith(".conf")}
        added = sorted(files - set(self.programs))
        removed = sorted(set(self.programs) - files)
        changed = sorted(n for n in files & set(self.programs) if self._file(n) != self.programs[n].conf)
        self.calls.append(("reread",))
        return added, changed, removed

    def add(self, name):
        self.calls.append(("add", name))
        self.programs[name] = FakeProgram(name, self._file(name))

    def remove(self, name):
        self.calls.append(("remove", name))
        if self.programs[name].state in ("RUNNING", "STARTING", "STOPPING", "BACKOFF"):
            raise xmlrpc.client.Fault(STILL_RUNNING, name)
        del self.programs[name]

    def shutdown(self):
        self.calls.append(("shutdown",))


class FakeServer:
    def __init__(self, address, admin="ready"):
        self.address, self.admin = address, admin
        self.sessions = 0
        self.idle_at = None  # sessions drop to 0 then (None: never on their own)
        self.options = ""


class FakeHaproxy:
    """Backend api: a server is UP when its admin state is ready and its
    replica is ready, DOWN when not, MAINT or DRAIN as set. Sessions drop to
    0 at idle_at."""

    def __init__(self, world):
        self.world = world
        self.servers_: dict[str, FakeServer] = {}
        self.commands = []

    def tick(self, now):
        for s in self.servers_.values():
            if s.idle_at is not None and now >= s.idle_at:
                s.sessions = 0

    def _status(self, name, s):
        if s.admin == "maint":
            return "MAINT"
        if s.admin == "drain":
            return "DRAIN"
        return "UP" if self.world.replica_ready(int(name[3:])) else "DOWN"

    def command(self, line):
        self.commands.append(line)
        return ""

    def servers(self):
        return {n: ServerStat(self._status(n, s), s.sessions) for n, s in self.servers_.items()}

    def server(self, name):
        return self.servers().get(name)

    def set_state(self, name, state):
        self.commands.append(f"set server api/{name} state {state}")
        if name in self.servers_:
            self.servers_[name].admin = state

    def add_server(self, name, address, options):
        self.commands.append(f"add server api/{name} {address} {options}")
        self.servers_[name] = FakeServer(address, admin="maint")
        self.servers_[name].options = options
        return "New server registered.\n"

    def enable_health(self, name):
        self.commands.append(f"enable health api/{name}")

    def del_server(self, name):
        self.commands.append(f"del server api/{name}")
        s = self.servers_[name]
        if s.admin != "maint":
            return "Only servers in maintenance mode can be deleted.\n"
        if s.sessions:
            return "Server still has connections attached to it, cannot remove it.\n"
        del self.servers_[name]
        return "Server deleted.\n"

    def shutdown_sessions(self, name):
        self.commands.append(f"shutdown sessions server api/{name}")

    def worker_pid(self):
        return "4242"

    def servers_state(self):
        return "1\n"


class FakeProbes:
    def __init__(self, world):
        self.world = world
        self.taken_ports = set()

    def http_code(self, url, timeout=2):
        m = re.match(r"https?://[^:/]+:([0-9]+)/", url)
        port = int(m[1])
        for i in range(1, settings.MAX_REPLICAS + 1):
            if port == self.world.cluster.api_port(i):
                return "200" if self.world.replica_ready(i) else "000"
        return "200"

    def pg_ready(self, port):
        return True

    def redis_ready(self, port):
        return True

    def port_in_use(self, port):
        return port in self.taken_ports

    def process_alive(self, pid):
        return False


class FakeExternal:
    def __init__(self):
        self.calls = []
        self.haproxy_config_problem = None

    def pg_url(self, role, port):
        return f"postgresql://{role}@127.0.0.1:{port}/tenantry?passfile=/v/secrets/pg/{role}.pgpass"

    def pg_bootstrap(self, port):
        self.calls.append(("pg_bootstrap", port))

    def generate_signing_key(self, keys_dir):
        os.makedirs(keys_dir, exist_ok=True)
        with open(os.path.join(keys_dir, "signing-key.pem"), "w") as f:
            f.write("key\n")

    def haproxy_bin(self):
        return "/usr/sbin/haproxy"

    def check_haproxy_config(self, path):
        self.calls.append(("check_haproxy_config", path))
        return self.haproxy_config_problem


class World:
    """A cluster of N replicas, all RUNNING and UP on release "releases/r1",
    in a temporary $TENANTRY_VAR, with every fake wired into a Cluster."""

    def __init__(self, n=3, wait_secs=60, replica_settings=None):
        self.tmp = tempfile.mkdtemp(prefix="tenantry-cluster-test.")
        self.paths = Paths(ROOT, self.tmp)
        self.broken_releases = set()
        self.broken_settings = []  # text that, in a program file, keeps a replica from starting
        values = settings.defaults()
        values["API_REPLICAS"] = str(n)
        config = cluster_env.Config(values, dict(replica_settings or {}))
        os.makedirs(self.paths("releases", "r1"))
        os.symlink("releases/r1", self.paths("current"))
        self.clock = FakeClock()
        self.out = RecordingOutput()
        self.external = FakeExternal()
        self.cluster = Cluster(paths=self.paths, config=config, supervisor=None, haproxy=None, probes=None,
                               external=self.external, clock=self.clock, out=self.out, wait_secs=wait_secs)
        render.supervisor(self.paths, config, n, self.cluster.pg_url, "/usr/sbin/haproxy")
        os.replace(render.haproxy(self.paths, config, n), self.paths("haproxy.cfg"))
        cluster_env.write(self.paths("cluster.env"), config)
        self.supervisor = FakeSupervisor(self)
        self.haproxy = FakeHaproxy(self)
        self.probes = FakeProbes(self)
        self.cluster.supervisor, self.cluster.haproxy, self.cluster.probes = \
            self.supervisor, self.haproxy, self.probes
        self.clock.listeners += [self.supervisor.tick, self.haproxy.tick]
        for i in range(1, n + 1):
            self.supervisor.start(f"api-{i}")
            self.haproxy.servers_[f"api{i}"] = FakeServer(f"127.0.0.1:{self.cluster.api_port(i)}")
        for name in ("postgres", "redis", "haproxy"):
            self.supervisor.start(name)
        self.clock.sleep(3)
        self.supervisor.calls.clear()
        self.haproxy.commands.clear()

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def is_broken(self, name, release, conf):
        return name.startswith("api-") and (
            release in self.broken_releases or any(b in (conf or "") for b in self.broken_settings))

    def replica_ready(self, i) -> bool:
        p = self.supervisor.programs.get(f"api-{i}")
        return p is not None and p.state == "RUNNING" and self.clock.now() - p.since >= 2

    def add_release(self, release):
        os.makedirs(self.paths("releases", release), exist_ok=True)

    def pid(self, i):
        return self.supervisor.programs[f"api-{i}"].pid
