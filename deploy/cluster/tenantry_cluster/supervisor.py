# supervisord's XML-RPC interface on its unix socket ($TENANTRY_VAR/supervisor.sock),
# with the standard library's xmlrpc.client: the state of each program and
# the actions on them. Calls that would block (start, stop) do not wait
# here; the steps poll the state, each wait with its own deadline.
import http.client
import socket
import xmlrpc.client
from dataclasses import dataclass

# supervisor.xmlrpc.Faults
BAD_NAME = 10
SPAWN_ERROR = 50
ALREADY_STARTED = 60
NOT_RUNNING = 70
ALREADY_ADDED = 90
STILL_RUNNING = 91


class SupervisorUnavailable(Exception):
    """supervisord did not answer on its socket."""


@dataclass(frozen=True)
class ProcessInfo:
    name: str
    state: str  # RUNNING, STARTING, BACKOFF, STOPPING, STOPPED, EXITED, FATAL, UNKNOWN
    pid: int  # 0 when not running
    exitstatus: int


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str, timeout: float):
        super().__init__()
        self._path = path
        self._timeout = timeout

    def make_connection(self, host):
        self.close()
        self._connection = host, _UnixConnection(self._path, self._timeout)
        return self._connection[1]


class Supervisor:
    def __init__(self, socket_path: str, timeout: float = 10):
        self._rpc = xmlrpc.client.ServerProxy(
            "http://localhost/RPC2", transport=_UnixTransport(socket_path, timeout))

    def _call(self, method: str, *args):
        try:
            return getattr(self._rpc, method)(*args)
        except xmlrpc.client.Fault:
            raise
        except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as e:
            raise SupervisorUnavailable(f"supervisord did not answer {method}: {e}") from None

    def is_running(self) -> bool:
        """supervisord answers and is RUNNING (not shutting down)."""
        try:
            return self._call("supervisor.getState").get("statename") == "RUNNING"
        except (SupervisorUnavailable, xmlrpc.client.Fault):
            return False

    def pid(self) -> int:
        return int(self._call("supervisor.getPID"))

    def processes(self) -> list[ProcessInfo]:
        return [_info(p) for p in self._call("supervisor.getAllProcessInfo")]

    def process(self, name: str) -> ProcessInfo | None:
        """NAME's state, or None when supervisord has no such program."""
        try:
            return _info(self._call("supervisor.getProcessInfo", name))
        except xmlrpc.client.Fault as f:
            if f.faultCode == BAD_NAME:
                return None
            raise

    def start(self, name: str) -> None:
        """Starts NAME unless it runs; does not wait for it. A program that
        cannot even be spawned shows in its state (BACKOFF, then FATAL),
        which the waits look at."""
        self._ignoring((ALREADY_STARTED, SPAWN_ERROR), "supervisor.startProcess", name, False)

    def stop(self, name: str) -> None:
        """Stops NAME (its stopsignal) unless it is not running; does not wait."""
        self._ignoring(NOT_RUNNING, "supervisor.stopProcess", name, False)

    def signal(self, name: str, signal: str) -> None:
        self._ignoring(NOT_RUNNING, "supervisor.signalProcess", name, signal)

    def reread(self) -> tuple[list[str], list[str], list[str]]:
        """Reads the config files again: the (added, changed, removed)
        programs, none of them applied yet."""
        added, changed, removed = self._call("supervisor.reloadConfig")[0]
        return added, changed, removed

    def add(self, name: str) -> None:
        self._ignoring(ALREADY_ADDED, "supervisor.addProcessGroup", name)

    def remove(self, name: str) -> None:
        self._ignoring(BAD_NAME, "supervisor.removeProcessGroup", name)

    def shutdown(self) -> None:
        self._call("supervisor.shutdown")

    def _ignoring(self, codes, method: str, *args):
        try:
            self._call(method, *args)
        except xmlrpc.client.Fault as f:
            if f.faultCode not in (codes if isinstance(codes, tuple) else (codes,)):
                raise


def _info(p: dict) -> ProcessInfo:
    return ProcessInfo(p["name"], p["statename"], int(p.get("pid") or 0), int(p.get("exitstatus") or 0))
