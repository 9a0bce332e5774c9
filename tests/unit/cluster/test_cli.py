# Tests of cli.py without a cluster: usage errors, `status` with no cluster
# (exit 3), and the check of the environment before anything is touched:
# warnings, or exit 2 with TENANTRY_STRICT_CONFIG=1, and settings that are
# not acceptable.
import io
import os
import shutil
import tempfile
import unittest

import fakes
from tenantry_cluster import cli
from tenantry_cluster.output import Output


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tenantry-cli-test.")
        self.addCleanup(shutil.rmtree, self.dir)
        self.var = os.path.join(self.dir, "var")
        # A build whose tenantry-api lists the fake settings.
        build = os.path.join(self.dir, "build")
        os.makedirs(os.path.join(build, "bin"))
        with open(os.path.join(self.dir, "settings.tsv"), "w") as f:
            f.write(fakes.FAKE_API_SETTINGS)
        for name, body in (("tenantry-api", f'[ "$1" = --settings ] && exec cat {self.dir}/settings.tsv\nexit 3'),
                           ("tenantry-migrate", "exit 0"), ("tenantryctl", "exit 0")):
            path = os.path.join(build, "bin", name)
            with open(path, "w") as f:
                f.write(f"#!/bin/sh\n{body}\n")
            os.chmod(path, 0o755)
        self.environ = {"TENANTRY_VAR": self.var, "TENANTRY_BUILD_DIR": build, "PATH": os.environ["PATH"]}

    def run_cli(self, *argv, **environ):
        out, err = io.StringIO(), io.StringIO()
        status = cli.main(list(argv), {**self.environ, **environ}, Output(out, err))
        return status, out.getvalue(), err.getvalue()

    def test_status_without_a_cluster_exits_3(self):
        status, out, _ = self.run_cli("status")
        self.assertEqual(status, 3)
        self.assertEqual(out, f"no cluster is running in {self.var} (start it: ./tenantry up)\n")

    def test_usage(self):
        self.assertEqual(self.run_cli("scale", "api=0")[:3:2], (1, "tenantry: api=0: N must be 1..32\n"))
        self.assertEqual(self.run_cli("scale", "web=2")[2], "tenantry: usage: ./tenantry scale api=N (N = 1..32)\n")
        self.assertEqual(self.run_cli("frob")[2],
                         "tenantry: unknown command 'frob' (./tenantry help lists the commands)\n")
        self.assertEqual(self.run_cli("down")[1], f"no cluster is running in {self.var}\n")

    def test_an_unknown_variable_stops_up_under_strict_config(self):
        status, _, err = self.run_cli("up", TENANTRY_STRICT_CONFIG="1", TENANTRY_THRADS="2")
        self.assertEqual(status, 2)
        self.assertEqual(err, "tenantry: TENANTRY_THRADS is no setting of the cluster, of ./tenantry or of "
                              "tenantry-api (did you mean TENANTRY_THREADS?)\n"
                              "tenantry: TENANTRY_STRICT_CONFIG=1: stopping on the variable above\n")
        self.assertFalse(os.path.exists(os.path.join(self.var, "releases")))

    def test_without_strict_config_it_is_a_warning(self):
        # API_REPLICAS=0 stops the command after the warning, before anything is made.
        status, _, err = self.run_cli("up", TENANTRY_THRADS="2", API_REPLICAS="0")
        self.assertEqual(status, 1)
        self.assertIn("did you mean TENANTRY_THREADS?", err)
        self.assertTrue(err.endswith("tenantry: API_REPLICAS=0: must be 1..32\n"))
        self.assertFalse(os.path.exists(os.path.join(self.var, "releases")))

    def test_a_replica_setting_supervisord_cannot_take(self):
        status, _, err = self.run_cli("up", TENANTRY_THREADS='2"')
        self.assertEqual((status, err), (1, "tenantry: TENANTRY_THREADS: must not contain newlines or double quotes\n"))

    def test_a_binary_that_cannot_list_its_settings(self):
        os.remove(os.path.join(self.dir, "settings.tsv"))
        status, _, err = self.run_cli("up")
        self.assertEqual(status, 1)
        self.assertIn("tenantry-api --settings exited with status 1", err)
        self.assertIn("needs one that answers --settings", err)

    def test_paths_supervisord_cannot_take(self):
        status, _, err = self.run_cli("up", TENANTRY_VAR=os.path.join(self.dir, "a b"))
        self.assertEqual(status, 1)
        self.assertIn("use an absolute path of letters, digits and / . _ + -", err)


if __name__ == "__main__":
    unittest.main()
