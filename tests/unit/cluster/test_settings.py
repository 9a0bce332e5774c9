# Tests of settings.py, cluster_env.py, api_settings.py and env_check.py:
# each setting checked against its declaration, which values a command runs
# on (recorded or the environment's), an old cluster.env read with the new
# names, the replicas' settings from the binary, and the warnings about
# variables nothing reads.
import os
import subprocess
import tempfile
import unittest

import fakes
from tenantry_cluster import api_settings, cluster_env, env_check, settings


class ValidateTest(unittest.TestCase):
    def problems(self, **values):
        v = settings.defaults()
        v.update(values)
        return settings.validate(v)

    def test_the_defaults_are_valid(self):
        self.assertEqual(self.problems(), [])

    def test_each_kind_of_value_says_what_it_must_be(self):
        cases = {
            ("API_REPLICAS", "0"): "API_REPLICAS=0: must be 1..32",
            ("API_REPLICAS", "33"): "API_REPLICAS=33: must be 1..32",
            ("TENANTRY_LB_ADDR", "localhost"): "TENANTRY_LB_ADDR=localhost: must be an IPv4 address",
            ("TENANTRY_LB_ADDR", "1.2.3.256"): "TENANTRY_LB_ADDR=1.2.3.256: must be an IPv4 address",
            ("TENANTRY_PUBLIC_HOST", "a_b"): "TENANTRY_PUBLIC_HOST=a_b: must be a host name or IPv4 address "
                                             "(letters, digits, . and -)",
            ("TENANTRY_HAPROXY_MAXCONN", "0"): "TENANTRY_HAPROXY_MAXCONN=0: must be a number of connections, "
                                               "1..9999999",
            ("TENANTRY_LB_HTTPS_PORT", "70000"): "TENANTRY_LB_HTTPS_PORT=70000: not a port number",
            ("TENANTRY_PG_PORT", ""): "TENANTRY_PG_PORT=: not a port number",
            ("TENANTRY_API_PORT_BASE", "65510"): "TENANTRY_API_PORT_BASE=65510: too high for 32 replicas",
        }
        for (name, value), message in cases.items():
            self.assertEqual(self.problems(**{name: value}), [message])

    def test_two_listeners_on_one_port(self):
        self.assertEqual(self.problems(TENANTRY_LB_HTTP_PORT="55432"),
                         ["port 55432 is used twice: by postgres (TENANTRY_PG_PORT) and by haproxy-http "
                          "(TENANTRY_LB_HTTP_PORT)"])
        # Replica 3's port is the stats port only with 3 replicas or more.
        self.assertEqual(self.problems(TENANTRY_HAPROXY_STATS_PORT="8104"), [])
        v = settings.defaults()
        v["TENANTRY_HAPROXY_STATS_PORT"] = "8104"
        self.assertIn("port 8104 is used twice", settings.validate(v, replicas=4)[0])

    def test_a_setting_of_tenantry_itself(self):
        self.assertEqual(settings.command_setting("TENANTRY_WAIT_SECS", {}), "60")
        self.assertEqual(settings.command_setting("TENANTRY_WAIT_SECS", {"TENANTRY_WAIT_SECS": "5"}), "5")
        with self.assertRaisesRegex(ValueError, "TENANTRY_STRICT_CONFIG=yes: must be 0 or 1"):
            settings.command_setting("TENANTRY_STRICT_CONFIG", {"TENANTRY_STRICT_CONFIG": "yes"})


class LoadTest(unittest.TestCase):
    recorded = {"API_REPLICAS": "4", "TENANTRY_PG_PORT": "6000", "TENANTRY_THREADS": "2"}
    environ = {"API_REPLICAS": "5", "TENANTRY_PG_PORT": "7000", "TENANTRY_THREADS": "3",
               "TENANTRY_ENABLE_TEST_ENDPOINTS": "1", "TENANTRY_REDIS_PORT": "7001"}

    def load(self, mode):
        return cluster_env.load(self.recorded, mode, self.environ, fakes.PASSED_ON, self.fail)

    def test_up_takes_the_environment_over_what_is_recorded(self):
        c = self.load("up")
        self.assertEqual((c.cluster["API_REPLICAS"], c.cluster["TENANTRY_PG_PORT"]), ("5", "7000"))
        self.assertEqual(c.replica, {"TENANTRY_THREADS": "3", "TENANTRY_ENABLE_TEST_ENDPOINTS": "1"})

    def test_deploy_takes_new_values_only_for_the_replicas(self):
        c = self.load("deploy")
        self.assertEqual((c.cluster["API_REPLICAS"], c.cluster["TENANTRY_PG_PORT"]), ("4", "6000"))
        self.assertEqual(c.cluster["TENANTRY_REDIS_PORT"], "7001")  # none recorded
        self.assertEqual(c.replica, {"TENANTRY_THREADS": "3", "TENANTRY_ENABLE_TEST_ENDPOINTS": "1"})

    def test_other_commands_run_on_what_is_recorded(self):
        c = self.load("scale")
        self.assertEqual((c.cluster["API_REPLICAS"], c.cluster["TENANTRY_PG_PORT"]), ("4", "6000"))
        self.assertEqual(c.replica, {"TENANTRY_THREADS": "2", "TENANTRY_ENABLE_TEST_ENDPOINTS": "1"})

    def test_an_empty_value_unsets_a_replica_setting(self):
        c = cluster_env.load(self.recorded, "deploy", {"TENANTRY_THREADS": ""}, fakes.PASSED_ON, self.fail)
        self.assertEqual(c.replica, {})

    def test_the_cluster_sets_its_own_whatever_the_environment_says(self):
        c = cluster_env.load({}, "up", {"TENANTRY_HTTP_PORT": "1", "DATABASE_URL": "x"}, fakes.PASSED_ON, self.fail)
        self.assertEqual(c.replica, {})

    def test_a_recorded_name_that_is_no_setting_is_dropped_with_a_warning(self):
        warnings = []
        c = cluster_env.load({"TENANTRY_GONE": "1"}, "status", {}, fakes.PASSED_ON, warnings.append)
        self.assertEqual(c.replica, {})
        self.assertEqual(warnings, ["cluster.env: TENANTRY_GONE is no setting of the cluster or of this "
                                    "tenantry-api; dropped"])


class FileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.file = os.path.join(self.dir, "cluster.env")
        self.addCleanup(lambda: __import__("shutil").rmtree(self.dir))

    def test_written_and_read_back(self):
        c = cluster_env.Config(settings.defaults(), {"TENANTRY_THREADS": "2"})
        cluster_env.write(self.file, c)
        with open(self.file) as f:
            self.assertTrue(f.read().startswith(cluster_env.HEADER + "\nAPI_REPLICAS=3\n"))
        self.assertEqual(cluster_env.read(self.file), {**settings.defaults(), "TENANTRY_THREADS": "2"})

    def test_an_old_file_is_read_with_the_new_names(self):
        with open(self.file, "w") as f:
            f.write("# old\nTENANTRY_HTTPS_PORT=9443\nTENANTRY_HTTP_PORT=9080\nAPI_REPLICAS=2\n")
        recorded, renamed = cluster_env.migrate(cluster_env.read(self.file))
        self.assertEqual(recorded, {"TENANTRY_LB_HTTPS_PORT": "9443", "TENANTRY_LB_HTTP_PORT": "9080",
                                    "API_REPLICAS": "2"})
        self.assertEqual(renamed, [("TENANTRY_HTTPS_PORT", "TENANTRY_LB_HTTPS_PORT"),
                                   ("TENANTRY_HTTP_PORT", "TENANTRY_LB_HTTP_PORT")])
        self.assertEqual(cluster_env.migrate(recorded), (recorded, []))


class ApiSettingsTest(unittest.TestCase):
    def test_parsed_from_the_binarys_lines(self):
        self.assertEqual(fakes.API[2], api_settings.ApiSetting("TENANTRY_HTTP_ADDR", "text", "127.0.0.1",
                                                               "public listener's address"))
        self.assertEqual(fakes.PASSED_ON, ["TENANTRY_THREADS", "TENANTRY_DRAIN_DELAY_MS",
                                           "TENANTRY_SHUTDOWN_TIMEOUT_MS", "TENANTRY_TRUSTED_PROXIES",
                                           "TENANTRY_ENABLE_TEST_ENDPOINTS"])

    def test_lines_of_another_shape_are_refused(self):
        for bad in ("A\ttext\tx", "A\tnumber\t\th", "lower\ttext\t\th", ""):
            with self.assertRaises(ValueError):
                api_settings.parse(bad)

    def run_fake(self, code, out="", err=""):
        return lambda argv, **kw: subprocess.CompletedProcess(argv, code, out, err)

    def test_a_binary_that_cannot_answer(self):
        with self.assertRaisesRegex(api_settings.SettingsUnavailable,
                                    r"^bin --settings exited with status 2: tenantry-api: unknown argument"):
            api_settings.ask("bin", self.run_fake(2, err="tenantry-api: unknown argument '--settings'\n"))
        with self.assertRaisesRegex(api_settings.SettingsUnavailable, "No such file"):
            api_settings.ask("/nonexistent/tenantry-api")
        self.assertEqual(api_settings.ask("bin", self.run_fake(0, fakes.FAKE_API_SETTINGS)), fakes.API)


class EnvironmentCheckTest(unittest.TestCase):
    names = [s.name for s in fakes.API]

    def test_every_known_name_passes(self):
        environ = {"API_REPLICAS": "3", "TENANTRY_LB_HTTPS_PORT": "1", "TENANTRY_VAR": "/v",
                   "TENANTRY_STRICT_CONFIG": "1", "TENANTRY_THREADS": "2", "TENANTRY_E2E_KEEP": "1",
                   "MIGRATE_DATABASE_URL": "x", "PATH": "/bin", "SYSTEM_DATABASE_URL": "y", "E2E_X": "1"}
        self.assertEqual(env_check.problems(environ, self.names), [])

    def test_a_misspelling_gets_the_closest_name(self):
        self.assertEqual(env_check.problems({"TENANTRY_THREAD": "2"}, self.names),
                         ["TENANTRY_THREAD is no setting of the cluster, of ./tenantry or of tenantry-api "
                          "(did you mean TENANTRY_THREADS?)"])
        self.assertEqual(env_check.problems({"REDIS_SOMETHING_ELSE_ENTIRELY": "1"}, self.names),
                         ["REDIS_SOMETHING_ELSE_ENTIRELY is no setting of the cluster, of ./tenantry or of "
                          "tenantry-api"])

    def test_the_old_port_names_say_the_new_ones(self):
        self.assertEqual(env_check.problems({"TENANTRY_HTTPS_PORT": "1", "TENANTRY_HTTP_PORT": "2"}, self.names), [
            "TENANTRY_HTTPS_PORT is no setting of the cluster any more: HAProxy's is TENANTRY_LB_HTTPS_PORT",
            "TENANTRY_HTTP_PORT is no setting of the cluster any more: HAProxy's is TENANTRY_LB_HTTP_PORT; "
            "each replica's own is set from TENANTRY_API_PORT_BASE",
        ])

    def test_what_the_cluster_sets_itself_is_ignored_and_said_so(self):
        self.assertEqual(env_check.problems({"DATABASE_URL": "x"}, self.names),
                         ["DATABASE_URL is set by the cluster for each replica; the environment's is ignored"])

    def test_without_the_replicas_settings_no_name_is_called_unknown(self):
        self.assertEqual(env_check.problems({"TENANTRY_WHATEVER": "1"}, None), [])


if __name__ == "__main__":
    unittest.main()
