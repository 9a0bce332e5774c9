# Health probes of the cluster's services (a replica's or HAProxy's HTTP
# status, PostgreSQL accepting connections, Redis answering PONG) and whether
# a port is taken. In process, except pg_isready: no program start per poll.
import http.client
import os
import socket
import ssl
import subprocess
import urllib.parse


class Probes:
    def __init__(self, pg_bindir, redis_password_file: str):
        self._pg_bindir = pg_bindir  # a function: scripts/pg bindir, asked when first needed
        self._pg_bin = ""
        self._redis_password_file = redis_password_file

    def http_code(self, url: str, timeout: float = 2) -> str:
        """The status of GET URL ("200"), or "000" when nothing answered;
        TLS certificates are not checked (the cluster's is self-signed)."""
        u = urllib.parse.urlsplit(url)
        if u.scheme == "https":
            conn = http.client.HTTPSConnection(
                u.hostname, u.port, timeout=timeout, context=ssl._create_unverified_context())
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
        try:
            conn.request("GET", u.path or "/", headers={"Connection": "close"})
            return str(conn.getresponse().status)
        except (OSError, http.client.HTTPException):
            return "000"
        finally:
            conn.close()

    def pg_ready(self, port: int) -> bool:
        """PostgreSQL accepts connections (pg_isready needs no password)."""
        self._pg_bin = self._pg_bin or self._pg_bindir()
        try:
            return subprocess.run(
                [f"{self._pg_bin}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port),
                 "-U", "postgres", "-d", "postgres", "-t", "1"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def redis_ready(self, port: int) -> bool:
        """Redis answers AUTH and PING with +OK and +PONG."""
        try:
            with open(self._redis_password_file, encoding="utf-8") as f:
                password = f.read().strip().encode()
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n" % (len(password), password))
                got = b""
                while len(got) < 12 and (chunk := s.recv(64)):
                    got += chunk
            return got == b"+OK\r\n+PONG\r\n"
        except OSError:
            return False

    def process_alive(self, pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True

    def port_in_use(self, port: int) -> bool:
        """Something listens on TCP PORT, on any address."""
        return port_listening(port)


def port_listening(port: int, tables=("/proc/net/tcp", "/proc/net/tcp6")) -> bool:
    want = f"{port:04X}"
    for table in tables:
        try:
            with open(table, encoding="ascii") as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    # local_address is ADDR:PORT in hex; state 0A is LISTEN
                    if len(fields) > 3 and fields[3] == "0A" and fields[1].rsplit(":", 1)[1] == want:
                        return True
        except OSError:
            continue
    return False
