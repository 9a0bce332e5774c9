# Tests of steps.py on fakes: draining a replica in HAProxy, waiting until
# a replica is ready (and giving up when it never is), adding and removing
# HAProxy servers, applying a changed program file.
import os
import unittest

import fakes
from tenantry_cluster import steps
from tenantry_cluster.output import Stop


class DrainTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=2)
        self.addCleanup(self.world.close)
        self.c = self.world.cluster

    def test_drain_waits_until_haproxy_holds_no_session(self):
        srv = self.world.haproxy.servers_["api1"]
        srv.sessions, srv.idle_at = 3, self.world.clock.now() + 5
        t0 = self.world.clock.now()
        self.assertTrue(steps.drain(self.c, 1))
        self.assertEqual(self.world.haproxy.commands[0], "set server api/api1 state drain")
        self.assertEqual(srv.admin, "drain")
        self.assertGreaterEqual(self.world.clock.now() - t0, 5)
        self.assertLess(self.world.clock.now() - t0, 6)

    def test_drain_gives_up_after_its_bound(self):
        self.world.haproxy.servers_["api1"].sessions = 1  # a request that never ends
        t0 = self.world.clock.now()
        self.assertFalse(steps.drain(self.c, 1, seconds=30))
        self.assertAlmostEqual(self.world.clock.now() - t0, 30, delta=0.3)


class WaitReadyTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=2, wait_secs=60)
        self.addCleanup(self.world.close)
        self.c = self.world.cluster

    def restart(self, i):
        steps.stop_program(self.c, f"api-{i}")
        self.c.supervisor.start(f"api-{i}")

    def test_ready_once_readyz_answers_200(self):
        self.restart(1)
        t0 = self.world.clock.now()
        self.assertTrue(steps.wait_replica_ready(self.c, 1))
        self.assertAlmostEqual(self.world.clock.now() - t0, 2, delta=0.3)
        self.assertEqual([l for l in self.world.out.lines if l[0] == "warn"], [])

    def test_a_replica_that_gives_up_is_not_waited_for_to_the_bound(self):
        self.world.broken_releases.add("releases/r1")
        self.restart(1)
        t0 = self.world.clock.now()
        self.assertFalse(steps.wait_replica_ready(self.c, 1))
        self.assertLess(self.world.clock.now() - t0, 20)  # FATAL after its retries, not 60 s
        warning = [t for k, t in self.world.out.lines if k == "warn"][0]
        self.assertRegex(warning, r"^api-1 did not become ready after 1[0-9]s: http://127.0.0.1:8101/readyz "
                                  r"answers nothing, supervisor says FATAL; log: .*/log/api-1.log$")
        self.assertIn(("log", self.c.paths.log("api-1")), self.world.out.lines)

    def test_a_replica_still_starting_at_the_bound_is_not_ready(self):
        self.c.wait_secs = 5
        self.world.broken_releases.add("releases/r1")
        self.restart(2)
        self.assertFalse(steps.wait_replica_ready(self.c, 2))
        self.assertIn("did not become ready after 5s", self.world.out.text())
        self.assertIn("supervisor says BACKOFF", self.world.out.text())

    def test_wait_healthy_stops_the_command_naming_the_program(self):
        with self.assertRaisesRegex(Stop, r"^redis did not come up after 60s \(waited for: PONG; supervisor says "
                                          r"RUNNING\); log: .*/log/redis.log$"):
            steps.wait_healthy(self.c, "redis", "PONG", lambda: False)


class ServersTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=2)
        self.addCleanup(self.world.close)
        self.c = self.world.cluster

    def test_an_added_server_has_the_configured_servers_options(self):
        self.world.supervisor.programs["api-2"].state = "RUNNING"
        del self.world.haproxy.servers_["api2"]
        steps.add_server(self.c, 2)
        self.assertEqual(self.world.haproxy.commands, [
            "add server api/api2 127.0.0.1:8102 check inter 500ms fastinter 250ms downinter 500ms fall 2 "
            "rise 2 maxconn 256",
            "enable health api/api2",
            "set server api/api2 state ready",
        ])
        self.assertTrue(steps.server_up(self.c, "api2"))

    def test_a_server_is_deleted_once_its_connections_are_gone(self):
        srv = self.world.haproxy.servers_["api2"]
        srv.sessions, srv.idle_at = 1, self.world.clock.now() + 1
        steps.remove_server(self.c, 2)
        self.assertNotIn("api2", self.world.haproxy.servers_)
        self.assertEqual(self.world.haproxy.commands[0], "set server api/api2 state maint")
        self.assertIn("shutdown sessions server api/api2", self.world.haproxy.commands)

    def test_a_server_that_never_lets_go_stops_the_command(self):
        self.world.haproxy.servers_["api2"].sessions = 1
        with self.assertRaisesRegex(Stop, "HAProxy did not delete server api2: Server still has connections"):
            steps.remove_server(self.c, 2)


class UpdateProgramTest(unittest.TestCase):
    def test_a_changed_program_file_is_applied_after_a_stop(self):
        world = fakes.World(n=1)
        self.addCleanup(world.close)
        c = world.cluster
        c.config.replica["TENANTRY_THREADS"] = "4"
        steps.stop_program(c, "api-1")
        from tenantry_cluster import render
        render.api_program(c.paths, c.config, 1, c.pg_url)
        steps.update_program(c, "api-1")
        self.assertIn(("remove", "api-1"), world.supervisor.calls)
        self.assertIn('TENANTRY_THREADS="4"', world.supervisor.programs["api-1"].conf)
        os.remove(c.paths("supervisor.d", "api-1.conf"))
        steps.update_program(c, "api-1")
        self.assertNotIn("api-1", world.supervisor.programs)


if __name__ == "__main__":
    unittest.main()
