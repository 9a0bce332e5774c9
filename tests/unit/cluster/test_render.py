# Tests of render.py: the templates filled, each replica's environment in
# supervisord's syntax (read back as supervisord reads it), HAProxy's config.
import os
import re
import shlex
import unittest

import fakes
from tenantry_cluster import api_settings, cluster_env, render, settings


def supervisord_reads(environment: str) -> dict[str, str]:
    """supervisor.datatypes.dict_of_key_value_pairs after its %-expansion
    (supervisor 4.2), the way supervisord reads an environment= line."""
    lexer = shlex.shlex(environment % {})
    lexer.wordchars += "/.+-():"
    tokens = list(lexer)
    result = {}
    for i in range(0, len(tokens), 4):
        key, eq, value = tokens[i:i + 3]
        assert eq == "="
        result[key] = value.strip("'\"")
    return result


class FillTest(unittest.TestCase):
    def test_every_placeholder_replaced(self):
        self.assertEqual(render.fill("t", "a {{X}} b {{Y_Z}}", {"X": "1", "Y_Z": 2}), "a 1 b 2")

    def test_a_placeholder_without_value_is_an_error_naming_it(self):
        with self.assertRaisesRegex(render.RenderError, r"^t: no value for \{\{MISSING\}\}$"):
            render.fill("t", "a {{X}} {{MISSING}}", {"X": "1"})


class ReplicaEnvironmentTest(unittest.TestCase):
    def setUp(self):
        values = settings.defaults()
        self.config = cluster_env.Config(values, {
            "TENANTRY_THREADS": "2",
            "TENANTRY_TRUSTED_PROXIES": "10.0.0.0/8,::1/128",
            "TENANTRY_HTTP_PORT": "1",  # never passed on: the cluster sets it
        })
        self.paths = fakes.Paths(fakes.ROOT, "/v")

    def test_the_cluster_sets_its_own_then_passes_on_the_rest(self):
        env = render.replica_environment(self.paths, self.config, 2, lambda role: f"url-{role}")
        names = [k for k, _ in env]
        self.assertEqual(tuple(names[:len(api_settings.SET_BY_CLUSTER)]), api_settings.SET_BY_CLUSTER)
        d = dict(env)
        self.assertEqual(d["TENANTRY_HTTP_PORT"], "8102")
        self.assertEqual(d["TENANTRY_ADMIN_PORT"], "9102")
        self.assertEqual(d["TENANTRY_REPLICA"], "api-2")
        self.assertEqual(d["DATABASE_URL"], "url-tenantry_app")
        self.assertEqual(d["PLATFORM_DATABASE_URL"], "url-tenantry_platform")
        self.assertEqual(d["TENANTRY_STRICT_CONFIG"], "1")
        self.assertEqual(d["TENANTRY_THREADS"], "2")
        self.assertEqual(names.count("TENANTRY_HTTP_PORT"), 1)

    def test_supervisord_reads_back_commas_and_percent_signs(self):
        pairs = [("A", "10.0.0.0/8,::1/128"), ("B", "100%"), ("C", "x y"), ("D", "")]
        self.assertEqual(supervisord_reads(render.supervisor_environment(pairs)), dict(pairs))

    def test_newlines_and_double_quotes_are_refused(self):
        for bad in ("a\nb", 'a"b', "a\rb"):
            with self.assertRaisesRegex(render.RenderError, "^X: must not contain newlines or double quotes$"):
                render.supervisor_environment([("X", bad)])


class ProgramFilesTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=3, replica_settings={"TENANTRY_DRAIN_DELAY_MS": "5000"})
        self.addCleanup(self.world.close)

    def read(self, *parts):
        with open(self.world.paths(*parts)) as f:
            return f.read()

    def test_a_replica_program_waits_longer_than_its_drain(self):
        text = self.read("supervisor.d", "api-2.conf")
        self.assertIn("[program:api-2]", text)
        self.assertIn(f"command={self.world.tmp}/current/tenantry-api", text)
        self.assertIn("stopwaitsecs=35", text)  # (5000 + 20000) / 1000 + 10
        env = supervisord_reads(text.split("environment=")[1].split("\n")[0])
        self.assertEqual(env["TENANTRY_HTTP_PORT"], "8102")
        self.assertEqual(env["TENANTRY_DRAIN_DELAY_MS"], "5000")
        self.assertIsNone(re.search(r"\{\{[A-Z_]+\}\}", text))

    def test_a_drain_delay_that_is_no_number_is_an_error(self):
        self.world.cluster.config.replica["TENANTRY_DRAIN_DELAY_MS"] = "3s"
        with self.assertRaisesRegex(render.RenderError, "TENANTRY_DRAIN_DELAY_MS=3s: not a number of milliseconds"):
            render.api_program(self.world.paths, self.world.cluster.config, 1, lambda r: r)

    def test_fewer_replicas_remove_the_files_of_the_others(self):
        c = self.world.cluster
        render.supervisor(c.paths, c.config, 1, c.pg_url, "/usr/sbin/haproxy")
        files = sorted(os.listdir(self.world.paths("supervisor.d")))
        self.assertEqual(files, ["api-1.conf", "haproxy.conf", "postgres.conf", "redis.conf"])
        self.assertIn("command=/usr/sbin/haproxy -W -db", self.read("supervisor.d", "haproxy.conf"))


class HaproxyConfigTest(unittest.TestCase):
    def setUp(self):
        self.world = fakes.World(n=2)
        self.addCleanup(self.world.close)
        self.c = self.world.cluster

    def render(self, n):
        with open(render.haproxy(self.c.paths, self.c.config, n)) as f:
            return f.read()

    def test_ports_servers_and_limits_from_the_settings(self):
        cfg = self.c.config.cluster
        cfg.update(TENANTRY_LB_HTTPS_PORT="9443", TENANTRY_LB_HTTP_PORT="9080", TENANTRY_PUBLIC_HOST="t.example",
                   TENANTRY_HAPROXY_SERVER_MAXCONN="77")
        text = self.render(3)
        self.assertIn("bind 127.0.0.1:9080\n", text)
        self.assertIn("bind 127.0.0.1:9443 ssl crt", text)
        self.assertIn("redirect location https://t.example:9443%[pathq] code 301", text)
        self.assertIn("    server api1 127.0.0.1:8101\n    server api2 127.0.0.1:8102\n    server api3 127.0.0.1:8103\n", text)
        self.assertIsNone(re.search(r"\{\{[A-Z_]+\}\}", text))
        self.assertEqual(render.default_server_options(self.world.paths("haproxy.cfg.new")),
                         "check inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2 maxconn 77")

    def test_port_443_is_left_out_of_the_redirect(self):
        self.c.config.cluster["TENANTRY_LB_HTTPS_PORT"] = "443"
        self.assertIn("redirect location https://localhost%[pathq]", self.render(1))

    def test_a_state_file_is_there_for_haproxy(self):
        os.remove(self.world.paths("haproxy.state"))
        self.render(1)
        with open(self.world.paths("haproxy.state")) as f:
            self.assertEqual(f.read(), "1\n")


if __name__ == "__main__":
    unittest.main()
