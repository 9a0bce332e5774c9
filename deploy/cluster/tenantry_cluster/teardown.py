# `./tenantry down`: stops every process of the cluster and supervisord
# itself; the data stays in $TENANTRY_VAR. HAProxy goes first, then the
# replicas drain in parallel rather than one after the other.
import xmlrpc.client

from . import steps
from .output import Stop
from .supervisor import SupervisorUnavailable
from .waiting import poll


def down(c) -> None:
    pid = c.supervisor.pid()
    c.out.info("stopping haproxy")
    try:
        steps.stop_program(c, "haproxy", 60)
    except (SupervisorUnavailable, xmlrpc.client.Fault):
        pass
    names = [n for n in steps.api_programs(c) if steps.program_state(c, n) == "RUNNING"]
    if names:
        c.out.info(f"stopping {' '.join(names)}")
        for name in names:
            try:
                c.supervisor.signal(name, "TERM")
            except xmlrpc.client.Fault:
                pass  # gone meanwhile
        deadline = c.clock.now() + 60
        for name in names:
            while steps.program_state(c, name) in ("RUNNING", "STOPPING") and c.clock.now() < deadline:
                c.clock.sleep(0.2)
    c.out.info("stopping redis, postgres and supervisord")
    try:
        c.supervisor.shutdown()
    except SupervisorUnavailable:
        pass
    if not poll(c.clock, 90, lambda: not c.probes.process_alive(pid)):
        raise Stop(f"supervisord (pid {pid}) did not exit within 90s; log: {c.paths.log('supervisord')}")
    c.out.info(f"stopped; data stays in {c.paths.var}")
