# Tests of haproxy.py, the runtime API client, against a fake HAProxy
# answering one command per connection on a unix socket, as HAProxy does.
import os
import socket
import tempfile
import threading
import unittest

import fakes  # noqa: F401 (puts the package on the path)
from tenantry_cluster.haproxy import Haproxy, HaproxyUnavailable, ServerStat

SHOW_STAT = """# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck
https,FRONTEND,,,3,10,2000,500,0,0,0,0,0,,,,,OPEN,,,
api,api1,0,0,2,5,256,100,0,0,,0,,0,0,0,0,UP,1,1,0
api,api2,0,0,0,5,256,90,0,0,,0,,0,0,0,0,DRAIN,1,1,0
api,api3,0,0,0,1,256,1,0,0,,0,,0,0,0,0,DOWN 1/2,1,1,0
api,BACKEND,0,0,2,9,200,191,0,0,0,0,,0,0,0,0,UP,3,3,0
stats,FRONTEND,,,0,1,2000,1,0,0,0,0,0,,,,,OPEN,,,

"""


class FakeRuntimeApi:
    def __init__(self, path, answers):
        self.answers, self.received = answers, []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                line = b""
                while not line.endswith(b"\n"):
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    line += chunk
                command = line.decode().strip()
                self.received.append(command)
                conn.sendall(self.answers.get(command, "\n").encode())


class HaproxyClientTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        path = os.path.join(self.dir, "haproxy.sock")
        self.fake = FakeRuntimeApi(path, {
            "show stat": SHOW_STAT,
            "show info": "Name: HAProxy\nVersion: 2.6.12\nPid: 4321\nUptime_sec: 5\n",
            "add server api/api4 127.0.0.1:8104 check maxconn 256": "New server registered.\n",
            "del server api/api4": "Server deleted.\n",
        })
        self.addCleanup(self.fake.sock.close)
        self.hap = Haproxy(path)

    def test_the_servers_of_backend_api(self):
        self.assertEqual(self.hap.servers(), {"api1": ServerStat("UP", 2), "api2": ServerStat("DRAIN", 0),
                                              "api3": ServerStat("DOWN 1/2", 0)})
        self.assertIsNone(self.hap.server("api9"))

    def test_commands_as_haproxy_takes_them(self):
        self.assertEqual(self.hap.worker_pid(), "4321")
        self.hap.set_state("api2", "drain")
        self.assertIn("New server registered", self.hap.add_server("api4", "127.0.0.1:8104", "check maxconn 256"))
        self.assertIn("Server deleted", self.hap.del_server("api4"))
        self.hap.enable_health("api4")
        self.assertEqual(self.fake.received, ["show info", "set server api/api2 state drain",
                                              "add server api/api4 127.0.0.1:8104 check maxconn 256",
                                              "del server api/api4", "enable health api/api4"])

    def test_no_haproxy_on_the_socket(self):
        with self.assertRaises(HaproxyUnavailable):
            Haproxy(os.path.join(self.dir, "none.sock")).servers()

    def test_an_answer_that_is_no_stat_table(self):
        self.fake.answers["show stat"] = "Permission denied\n"
        with self.assertRaisesRegex(HaproxyUnavailable, "Permission denied"):
            self.hap.servers()


if __name__ == "__main__":
    unittest.main()
