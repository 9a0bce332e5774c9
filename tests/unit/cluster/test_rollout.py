# Tests of rollout.py on fakes: a deploy restarts one replica at a time
# (drained first, back in rotation once ready), and a replica that never
# becomes ready on the new release is rolled back to the release and
# settings it ran before and put back in rotation.
import os
import unittest

import fakes
from tenantry_cluster import cluster_env, releases, render, rollout
from tenantry_cluster.output import Stop


class DeployTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=3)
        self.addCleanup(self.world.close)
        self.c = self.world.cluster

    def start_rollout(self, new_settings=None) -> rollout.Rollout:
        """What `deploy` prepares: a new release r2, the program files
        rendered anew (with NEW_SETTINGS), what changed."""
        c = self.c
        r = rollout.Rollout(release="r2", previous=releases.current(c.paths.var))
        r.previous_programs = rollout.previous_programs(c)
        with open(c.paths("cluster.env")) as f:
            r.previous_settings = f.read()
        self.world.add_release("r2")
        releases.point_current(c.paths.var, "releases/r2")
        c.config.replica.update(new_settings or {})
        cluster_env.write(c.paths("cluster.env"), c.config)
        for i in range(1, c.replicas + 1):
            render.api_program(c.paths, c.config, i, c.pg_url)
        r.changed = set(c.supervisor.reread()[1])
        return r

    def test_every_replica_in_turn_drained_stopped_started_and_back(self):
        pids = [self.world.pid(i) for i in (1, 2, 3)]
        rollout.deploy(self.c, self.start_rollout())
        for i in (1, 2, 3):
            self.assertNotEqual(self.world.pid(i), pids[i - 1])
            self.assertEqual(self.world.supervisor.programs[f"api-{i}"].release, "releases/r2")
            self.assertEqual(self.world.haproxy.servers()[f"api{i}"].status, "UP")
        # One at a time: api2 is drained only once api1 is back in rotation.
        cmds = self.world.haproxy.commands
        self.assertLess(cmds.index("set server api/api1 state ready"), cmds.index("set server api/api2 state drain"))
        calls = [c for c in self.world.supervisor.calls if c[0] in ("stop", "start")]
        self.assertEqual(calls, [("stop", "api-1"), ("start", "api-1"), ("stop", "api-2"), ("start", "api-2"),
                                 ("stop", "api-3"), ("start", "api-3")])
        self.assertIn("deploy done in", self.world.out.text())
        self.assertIn("[2/3] api-2: UP in HAProxy, pid", self.world.out.text())

    def test_new_settings_reach_the_replicas_they_restart(self):
        rollout.deploy(self.c, self.start_rollout({"TENANTRY_THREADS": "7"}))
        for i in (1, 2, 3):
            self.assertIn('TENANTRY_THREADS="7"', self.world.supervisor.programs[f"api-{i}"].conf)

    def test_a_replica_never_ready_on_the_new_release_is_rolled_back_and_in_rotation(self):
        self.world.broken_releases.add("releases/r2")
        self.c.wait_secs = 10
        pids = [self.world.pid(i) for i in (1, 2, 3)]
        with self.assertRaises(Stop) as stop:
            rollout.deploy(self.c, self.start_rollout())
        message = stop.exception.message
        self.assertIn("[1/3] api-1: deploy stopped: release r2 is not ready on api-1, which was rolled back to "
                      "release r1 and is in rotation again; the other replicas keep serving r1", message)
        self.assertEqual(os.readlink(self.c.paths("current")), "releases/r1")
        api1 = self.world.supervisor.programs["api-1"]
        self.assertEqual((api1.state, api1.release), ("RUNNING", "releases/r1"))
        self.assertEqual(self.world.haproxy.servers()["api1"].status, "UP")
        self.assertEqual([self.world.pid(2), self.world.pid(3)], pids[1:])  # never touched
        self.assertIn("[1/3] api-1: rolling back to release r1", self.world.out.text())

    def test_a_rollback_also_restores_the_settings_the_replica_ran(self):
        self.world.broken_settings.append('TENANTRY_THREADS="0"')
        self.c.wait_secs = 10
        with open(self.c.paths("cluster.env")) as f:
            before = f.read()
        with self.assertRaises(Stop):
            rollout.deploy(self.c, self.start_rollout({"TENANTRY_THREADS": "0"}))
        api1 = self.world.supervisor.programs["api-1"]
        self.assertEqual(api1.state, "RUNNING")
        self.assertNotIn("TENANTRY_THREADS", api1.conf)
        for i in (1, 2, 3):
            with open(self.c.paths("supervisor.d", f"api-{i}.conf")) as f:
                self.assertNotIn("TENANTRY_THREADS", f.read())
        with open(self.c.paths("cluster.env")) as f:
            self.assertEqual(f.read(), before)

    def test_the_replicas_already_on_the_new_release_stay_there(self):
        self.c.wait_secs = 10
        r = self.start_rollout()
        self.world.is_broken = lambda name, release, conf: name == "api-2" and release == "releases/r2"
        with self.assertRaises(Stop) as stop:
            rollout.deploy(self.c, r)
        self.assertIn("[2/3] api-2: deploy stopped", stop.exception.message)
        self.assertIn("api-1 run release r2, the others r1 (current points at r1 again)", stop.exception.message)
        self.assertEqual(self.world.supervisor.programs["api-1"].release, "releases/r2")
        self.assertEqual(self.world.supervisor.programs["api-2"].release, "releases/r1")
        self.assertEqual(self.world.haproxy.servers()["api2"].status, "UP")

    def test_when_the_rollback_fails_too_the_replica_stays_stopped_in_maintenance(self):
        self.world.broken_releases.update({"releases/r1", "releases/r2"})
        self.c.wait_secs = 10
        with self.assertRaises(Stop) as stop:
            rollout.deploy(self.c, self.start_rollout())
        self.assertIn("nor is release r1 it was rolled back to: api-1 stays stopped and in maintenance",
                      stop.exception.message)
        self.assertEqual(self.world.haproxy.servers()["api1"].status, "MAINT")
        self.assertIn(self.world.supervisor.programs["api-1"].state, ("STOPPED", "FATAL"))
        self.assertEqual(self.world.haproxy.servers()["api2"].status, "UP")

    def test_a_replica_not_running_before_is_started_on_the_new_release(self):
        self.c.supervisor.stop("api-3")
        self.world.clock.sleep(2)
        rollout.deploy(self.c, self.start_rollout())
        self.assertIn("[3/3] api-3: was not running", self.world.out.text())
        self.assertIn("[3/3] api-3: UP in HAProxy, pid (none) ->", self.world.out.text())

    def test_requests_that_do_not_end_delay_the_stop_by_30s_at_most(self):
        self.world.haproxy.servers_["api1"].sessions = 2
        rollout.deploy(self.c, self.start_rollout())
        self.assertIn("[1/3] api-1: still has requests in HAProxy after 30s; stopping anyway",
                      self.world.out.text())


if __name__ == "__main__":
    unittest.main()
