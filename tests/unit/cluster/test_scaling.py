# Tests of scaling.py on fakes: scaling down drains the surplus replicas in
# HAProxy before SIGTERM and removes them from HAProxy and supervisord;
# scaling up starts the new ones and adds them to HAProxy once ready.
import unittest

import fakes
from tenantry_cluster import cluster_env, scaling
from tenantry_cluster.output import Stop


class ScaleDownTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=3)
        self.addCleanup(self.world.close)
        self.c = self.world.cluster

    def test_drained_then_stopped_then_removed(self):
        srv = self.world.haproxy.servers_["api3"]
        srv.sessions, srv.idle_at = 4, self.world.clock.now() + 3  # requests in flight finish
        scaling.scale(self.c, 1)
        cmds = self.world.haproxy.commands
        self.assertEqual(cmds[:2], ["set server api/api3 state drain", "set server api/api2 state drain"])
        self.assertIn(("signal", "api-3", "TERM"), self.world.supervisor.calls)
        self.assertEqual(sorted(self.world.haproxy.servers_), ["api1"])
        self.assertEqual(sorted(n for n in self.world.supervisor.programs if n.startswith("api-")), ["api-1"])
        self.assertEqual(cluster_env.read(self.c.paths("cluster.env"))["API_REPLICAS"], "1")
        with open(self.c.paths("haproxy.cfg")) as f:
            cfg = f.read()
        self.assertIn("server api1 ", cfg)
        self.assertNotIn("server api2 ", cfg)
        self.assertIn("scaled to 1 API replicas in", self.world.out.text())
        self.assertNotIn("still has requests", self.world.out.text())

    def test_the_stop_waits_for_the_drain(self):
        srv = self.world.haproxy.servers_["api3"]
        srv.sessions, srv.idle_at = 4, self.world.clock.now() + 3
        stopped_at = {}
        signal = self.world.supervisor.signal
        def record(name, sig):
            stopped_at[name] = (self.world.clock.now(), srv.sessions)
            signal(name, sig)
        self.world.supervisor.signal = record
        scaling.scale(self.c, 2)
        self.assertEqual(stopped_at["api-3"][1], 0)

    def test_a_request_that_never_ends_delays_the_stop_by_30s(self):
        self.world.haproxy.servers_["api3"].sessions = 1
        self.world.haproxy.servers_["api3"].idle_at = self.world.clock.now() + 40  # after the stop
        scaling.scale(self.c, 2)
        self.assertIn("api3 still has requests in HAProxy after 30s; stopping it anyway", self.world.out.text())
        self.assertEqual(sorted(self.world.haproxy.servers_), ["api1", "api2"])

    def test_the_same_count_changes_nothing(self):
        scaling.scale(self.c, 3)
        self.assertEqual(self.world.out.text(), "already 3 API replicas")
        self.assertEqual(self.world.haproxy.commands, [])


class ScaleUpTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=2)
        self.addCleanup(self.world.close)
        self.c = self.world.cluster

    def test_started_ready_then_added_to_haproxy(self):
        scaling.scale(self.c, 4)
        self.assertEqual(sorted(self.world.haproxy.servers_), ["api1", "api2", "api3", "api4"])
        self.assertEqual(self.world.haproxy.servers()["api4"].status, "UP")
        self.assertIn("maxconn 256", self.world.haproxy.servers_["api3"].options)
        self.assertEqual(self.world.supervisor.programs["api-4"].state, "RUNNING")
        self.assertEqual(cluster_env.read(self.c.paths("cluster.env"))["API_REPLICAS"], "4")
        self.assertIn("starting api-3 on 127.0.0.1:8103", self.world.out.text())

    def test_a_taken_port_stops_before_anything_starts(self):
        self.world.probes.taken_ports.add(9104)
        with self.assertRaisesRegex(Stop, r"^port 9104 \(api-4-admin, from TENANTRY_ADMIN_PORT_BASE\) is already "
                                          r"in use; stop what uses it or choose another"):
            scaling.scale(self.c, 4)
        self.assertNotIn("api-3", self.world.supervisor.programs)

    def test_a_new_replica_that_never_becomes_ready_stops_the_scale(self):
        self.world.broken_releases.add("releases/r1")
        self.c.wait_secs = 5
        with self.assertRaisesRegex(Stop, r"^scale stopped: api-3 is not ready \(the 2 replicas in HAProxy keep "
                                          r"serving\)$"):
            scaling.scale(self.c, 3)
        self.assertEqual(sorted(self.world.haproxy.servers_), ["api1", "api2"])
        self.assertEqual(cluster_env.read(self.c.paths("cluster.env"))["API_REPLICAS"], "2")


if __name__ == "__main__":
    unittest.main()
