# HAProxy's runtime API on its unix socket ($TENANTRY_VAR/haproxy.sock): one
# command per connection, as `socat` would send it. The servers of backend
# "api" are the replicas; scaling and deploys change them live, never by a
# reload.
import csv
import io
import socket
from dataclasses import dataclass

BACKEND = "api"


class HaproxyUnavailable(Exception):
    """HAProxy did not answer on its runtime API."""


@dataclass(frozen=True)
class ServerStat:
    status: str  # UP, DOWN, MAINT, DRAIN, "UP 1/2", "no check", ...
    sessions: int  # current sessions (scur)


class Haproxy:
    def __init__(self, socket_path: str, timeout: float = 5):
        self._path = socket_path
        self._timeout = timeout

    def command(self, line: str) -> str:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(self._timeout)
                s.connect(self._path)
                s.sendall(line.encode() + b"\n")
                s.shutdown(socket.SHUT_WR)
                chunks = []
                while chunk := s.recv(65536):
                    chunks.append(chunk)
        except OSError as e:
            raise HaproxyUnavailable(f"HAProxy's runtime API ({self._path}) did not answer: {e}") from None
        return b"".join(chunks).decode(errors="replace")

    def servers(self) -> dict[str, ServerStat]:
        """The servers of backend api, in HAProxy's order."""
        text = self.command("show stat")
        if not text.startswith("# "):
            raise HaproxyUnavailable(f"HAProxy answered 'show stat' with: {text.strip()[:200]}")
        rows = csv.DictReader(io.StringIO(text[2:]))
        return {
            r["svname"]: ServerStat(r["status"], int(r["scur"] or 0))
            for r in rows
            if r["pxname"] == BACKEND and r["svname"] not in ("FRONTEND", "BACKEND")
        }

    def server(self, name: str) -> ServerStat | None:
        return self.servers().get(name)

    def set_state(self, name: str, state: str) -> None:
        """STATE: ready, drain or maint."""
        self.command(f"set server {BACKEND}/{name} state {state}")

    def add_server(self, name: str, address: str, options: str) -> str:
        return self.command(f"add server {BACKEND}/{name} {address} {options}".rstrip())

    def enable_health(self, name: str) -> None:
        self.command(f"enable health {BACKEND}/{name}")

    def del_server(self, name: str) -> str:
        return self.command(f"del server {BACKEND}/{name}")

    def shutdown_sessions(self, name: str) -> None:
        self.command(f"shutdown sessions server {BACKEND}/{name}")

    def worker_pid(self) -> str:
        """The pid of the current worker ('' when HAProxy does not say)."""
        for line in self.command("show info").splitlines():
            key, _, value = line.partition(": ")
            if key == "Pid":
                return value.strip()
        return ""

    def servers_state(self) -> str:
        return self.command("show servers state")
