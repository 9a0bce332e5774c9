# Tests of supervisor.py, the XML-RPC client, against a fake supervisord
# serving XML-RPC on a unix socket (the standard library's dispatcher).
import os
import socketserver
import tempfile
import threading
import unittest
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

import fakes  # noqa: F401 (puts the package on the path)
from tenantry_cluster.supervisor import ProcessInfo, Supervisor, SupervisorUnavailable


class _Handler(SimpleXMLRPCRequestHandler):
    disable_nagle_algorithm = False  # TCP_NODELAY: not on a unix socket

    def log_message(self, *args):
        pass


class FakeSupervisord(socketserver.ThreadingMixIn, socketserver.UnixStreamServer, SimpleXMLRPCDispatcher):
    daemon_threads = True
    logRequests = False

    def __init__(self, path):
        SimpleXMLRPCDispatcher.__init__(self, allow_none=True, encoding=None)
        socketserver.UnixStreamServer.__init__(self, path, _Handler)
        self.procs = {"api-1": {"name": "api-1", "group": "api-1", "statename": "RUNNING", "pid": 41,
                                "exitstatus": 0, "description": "pid 41"},
                      "redis": {"name": "redis", "group": "redis", "statename": "STOPPED", "pid": 0,
                                "exitstatus": 0, "description": "Not started"}}
        self.calls = []
        for name in ("getState", "getPID", "getAllProcessInfo", "getProcessInfo", "startProcess", "stopProcess",
                     "signalProcess", "reloadConfig", "addProcessGroup", "removeProcessGroup", "shutdown"):
            self.register_function(getattr(self, name), "supervisor." + name)

    def _proc(self, name):
        if name not in self.procs:
            raise xmlrpc.client.Fault(10, f"BAD_NAME: {name}")
        return self.procs[name]

    def getState(self):
        return {"statecode": 1, "statename": "RUNNING"}

    def getPID(self):
        return 777

    def getAllProcessInfo(self):
        return list(self.procs.values())

    def getProcessInfo(self, name):
        return self._proc(name)

    def startProcess(self, name, wait):
        self.calls.append(("start", name, wait))
        if self._proc(name)["statename"] == "RUNNING":
            raise xmlrpc.client.Fault(60, f"ALREADY_STARTED: {name}")
        return True

    def stopProcess(self, name, wait):
        self.calls.append(("stop", name, wait))
        if self._proc(name)["statename"] != "RUNNING":
            raise xmlrpc.client.Fault(70, f"NOT_RUNNING: {name}")
        return True

    def signalProcess(self, name, signal):
        self.calls.append(("signal", name, signal))
        return True

    def reloadConfig(self):
        return [[["api-2"], ["api-1"], []]]

    def addProcessGroup(self, name):
        raise xmlrpc.client.Fault(90, f"ALREADY_ADDED: {name}")

    def removeProcessGroup(self, name):
        raise xmlrpc.client.Fault(91, f"STILL_RUNNING: {name}")

    def shutdown(self):
        self.calls.append(("shutdown",))
        return True


class SupervisorClientTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.sock = os.path.join(self.dir, "supervisor.sock")
        self.server = FakeSupervisord(self.sock)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.sup = Supervisor(self.sock, timeout=5)

    def test_states_and_pids(self):
        self.assertTrue(self.sup.is_running())
        self.assertEqual(self.sup.pid(), 777)
        self.assertEqual(self.sup.processes(), [ProcessInfo("api-1", "RUNNING", 41, 0),
                                                ProcessInfo("redis", "STOPPED", 0, 0)])
        self.assertEqual(self.sup.process("api-1"), ProcessInfo("api-1", "RUNNING", 41, 0))
        self.assertIsNone(self.sup.process("api-9"))

    def test_actions_do_not_wait_and_expected_faults_are_no_errors(self):
        self.sup.start("api-1")  # already started
        self.sup.start("redis")
        self.sup.stop("redis")  # not running
        self.sup.signal("api-1", "TERM")
        self.sup.add("api-1")  # already added
        self.assertEqual(self.server.calls, [("start", "api-1", False), ("start", "redis", False),
                                             ("stop", "redis", False), ("signal", "api-1", "TERM")])
        self.assertEqual(self.sup.reread(), (["api-2"], ["api-1"], []))
        with self.assertRaises(xmlrpc.client.Fault):
            self.sup.remove("api-1")  # still running: an error the caller must see

    def test_no_supervisord_on_the_socket(self):
        sup = Supervisor(os.path.join(self.dir, "none.sock"))
        self.assertFalse(sup.is_running())
        with self.assertRaises(SupervisorUnavailable):
            sup.processes()


if __name__ == "__main__":
    unittest.main()
