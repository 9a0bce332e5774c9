# Everything a command works with, handed to each step: where the files
# are, the settings it runs on, supervisord, HAProxy, the probes, the
# programs it runs, the clock and the operator's terminal. cli.py wires the
# real ones; tests wire fakes.
from dataclasses import dataclass

from .cluster_env import Config
from .paths import Paths


@dataclass
class Cluster:
    paths: Paths
    config: Config
    supervisor: object  # supervisor.Supervisor
    haproxy: object  # haproxy.Haproxy
    probes: object  # probes.Probes
    external: object  # external.External
    clock: object  # waiting.Clock
    out: object  # output.Output
    wait_secs: int = 60  # TENANTRY_WAIT_SECS: the bound of each wait for health

    @property
    def replicas(self) -> int:
        return self.config.num("API_REPLICAS")

    def api_port(self, i: int) -> int:
        return self.config.num("TENANTRY_API_PORT_BASE") + i

    def admin_port(self, i: int) -> int:
        return self.config.num("TENANTRY_ADMIN_PORT_BASE") + i

    def pg_url(self, role: str) -> str:
        return self.external.pg_url(role, self.config.cluster["TENANTRY_PG_PORT"])
