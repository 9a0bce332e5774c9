# The programs the orchestrator runs for work that is naturally theirs:
# scripts/pg (initdb, roles, URLs), tenantry-migrate, tenantryctl (the
# signing key), openssl (the certificate), haproxy -c and supervisord.
# Tests replace this object with a fake.
import os
import shutil
import subprocess

from .output import Output, Stop
from .paths import Paths

# supervisord starts with a clean environment: nothing of the caller's shell
# reaches the programs (each gets its own from its program file).
SUPERVISORD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def own_environment(**settings: str) -> dict[str, str]:
    """The environment of a program of the project: its SETTINGS only, and
    strict (TENANTRY_STRICT_CONFIG=1), as the replicas. The caller's
    variables are ./tenantry's, which the program would refuse."""
    return {"PATH": os.environ.get("PATH", SUPERVISORD_PATH), "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8", "TENANTRY_STRICT_CONFIG": "1", **settings}


class External:
    def __init__(self, paths: Paths, out: Output, build_dir: str = ""):
        self.paths = paths
        self.out = out
        self.build_dir = build_dir
        self._urls: dict[tuple[str, str], str] = {}

    def binary(self, name: str) -> str:
        return os.path.join(self.build_dir, "bin", name)

    def _pg(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([self.paths.script("pg"), *args], **kw)

    def pg_bindir(self) -> str:
        done = self._pg("bindir", capture_output=True, text=True)
        if done.returncode != 0:
            raise Stop(f"scripts/pg bindir failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def pg_url(self, role: str, port: str) -> str:
        """ROLE's libpq URL, with its password file (scripts/pg url)."""
        if (role, port) not in self._urls:
            done = self._pg("url", role, port, self.paths("secrets", "pg"), capture_output=True, text=True)
            if done.returncode != 0:
                raise Stop(f"scripts/pg url {role} failed: {done.stderr.strip()}")
            self._urls[role, port] = done.stdout.strip()
        return self._urls[role, port]

    def pg_init(self) -> None:
        if self._pg("init", self.paths("pg"), self.paths("secrets", "pg")).returncode != 0:
            raise Stop(f"PostgreSQL initdb failed in {self.paths('pg')}")

    def pg_bootstrap(self, port: str) -> None:
        """The roles and the database (scripts/pg bootstrap), then the schema:
        migrations run as the owner role; the API never changes the schema."""
        if self._pg("bootstrap", port, self.paths("secrets", "pg"), stdout=subprocess.DEVNULL).returncode != 0:
            raise Stop(f"could not create the roles and database tenantry; log: {self.paths.log('postgres')}")
        env = own_environment(MIGRATE_DATABASE_URL=self.pg_url("tenantry_owner", port))
        migrate = [self.binary("tenantry-migrate"), "up", "--dir", os.path.join(self.paths.root, "migrations")]
        if self._prefixed(migrate, "migrations: ", env) != 0:
            raise Stop("migrations failed (see above); nothing was rolled out")

    def generate_signing_key(self, keys_dir: str) -> None:
        argv = [self.binary("tenantryctl"), "keys", "generate", "--dir", keys_dir]
        if self._prefixed(argv, "keys: ", own_environment()) != 0:
            raise Stop(f"could not generate the signing key in {keys_dir}")

    def make_certificate(self, tls_dir: str, san: str) -> None:
        """A self-signed certificate (cert.pem) and HAProxy's key and
        certificate in one file (haproxy.pem), key never left apart."""
        os.makedirs(tls_dir, exist_ok=True)
        os.chmod(tls_dir, 0o700)
        key, cert = os.path.join(tls_dir, "key.pem"), os.path.join(tls_dir, "cert.pem")
        old = os.umask(0o077)
        try:
            done = subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-days", "825", "-subj", "/CN=localhost", "-addext", f"subjectAltName={san}",
                 "-keyout", key, "-out", cert], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if done.returncode != 0:
                self.out.warn(done.stderr.strip())
                raise Stop(f"openssl could not make the certificate in {tls_dir}")
            with open(os.path.join(tls_dir, "haproxy.pem"), "w", encoding="utf-8") as pem:
                for part in (key, cert):
                    with open(part, encoding="utf-8") as f:
                        pem.write(f.read())
            os.remove(key)
        finally:
            os.umask(old)
        os.chmod(cert, 0o644)

    def haproxy_bin(self) -> str:
        return shutil.which("haproxy", path=os.environ.get("PATH", "") + ":" + SUPERVISORD_PATH) or "haproxy"

    def check_haproxy_config(self, path: str) -> str | None:
        """None when HAProxy accepts the config at PATH, else what it said."""
        done = subprocess.run([self.haproxy_bin(), "-c", "-q", "-f", path], capture_output=True, text=True)
        with open(self.paths.log("haproxy-check"), "w", encoding="utf-8") as f:
            f.write(done.stdout + done.stderr)
        return None if done.returncode == 0 else (done.stdout + done.stderr).strip()

    def start_supervisord(self) -> bool:
        env = {"PATH": SUPERVISORD_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
        return subprocess.run(["supervisord", "-c", self.paths("supervisord.conf")], env=env,
                              stdin=subprocess.DEVNULL).returncode == 0

    def _prefixed(self, argv: list[str], prefix: str, env=None) -> int:
        """Runs ARGV, its standard output line by line with PREFIX."""
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
        except OSError as e:
            self.out.warn(f"{argv[0]}: {e}")
            return 127
        with proc:
            for line in proc.stdout:
                self.out.info(prefix + line.rstrip("\n"))
        return proc.returncode
