#!/usr/bin/env python3
"""Mixed load for the end-to-end tests: authenticated reads and idempotent
writes through HAProxy, each request with its own X-Request-ID, and the
outcome of every single request recorded (wrk only counts them, and replays
a request on a new connection after a dropped one, which a test of "no write
applied twice" cannot allow).

Each worker thread sends, in turn, GET /v1/me, GET /v1/users, PATCH
/v1/users/{id} (the same body every time: applying it twice changes nothing
but the audit log) and GET /v1/ping. Keep-alive workers hold one connection
(a new one after a dropped one or a "Connection: close"); the others open a
connection per request. Nothing is ever retried: a dropped connection is the
request's outcome.

Runs until SIGTERM or SIGINT (or --max-seconds), then writes one line per
request to --out: REQUEST_ID KIND METHOD PATH OUTCOME MS, tab-separated,
where KIND is read or write and OUTCOME the HTTP status or "drop:<reason>".
While it runs, --out.progress holds the number of requests answered so far.
The bearer token is read from a file, never taken from argv.
"""
import argparse
import http.client
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse

stop = threading.Event()


def requests_of(user_id):
    return [
        ("read", "GET", "/v1/me", None),
        ("read", "GET", "/v1/users", None),
        ("write", "PATCH", "/v1/users/" + user_id, b'{"role":"member"}'),
        ("read", "GET", "/v1/ping", None),
    ]


class Worker(threading.Thread):
    def __init__(self, name, args, token, keep_alive):
        super().__init__(name=name, daemon=True)
        self.args = args
        self.token = token
        self.keep_alive = keep_alive
        self.records = []  # this thread's only: no lock
        self.conn = None
        url = urllib.parse.urlsplit(args.base)
        self.host, self.port = url.hostname, url.port or 443
        self.tls = ssl.create_default_context()
        # The cluster's certificate is self-signed for localhost.
        self.tls.check_hostname = False
        self.tls.verify_mode = ssl.CERT_NONE

    def connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                self.host, self.port, timeout=self.args.timeout, context=self.tls)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def one(self, seq, kind, method, path, body):
        request_id = "%s-%s-%d" % (self.args.run_id, self.name, seq)
        headers = {"X-Request-ID": request_id}
        if path != "/v1/ping":
            headers["Authorization"] = "Bearer " + self.token
        if body is not None:
            headers["Content-Type"] = "application/json"
        if not self.keep_alive:
            headers["Connection"] = "close"
        t0 = time.monotonic()
        try:
            conn = self.connection()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            outcome = str(response.status)
            if response.will_close or not self.keep_alive:
                self.close()
        except (OSError, http.client.HTTPException) as e:
            # Refused, reset, closed without an answer, timed out, TLS error:
            # the connection is gone; the next request opens another.
            outcome = "drop:" + type(e).__name__
            self.close()
        ms = (time.monotonic() - t0) * 1000
        self.records.append((request_id, kind, method, path, outcome, "%.1f" % ms))

    def run(self):
        mix = requests_of(self.args.user_id)
        interval = 1.0 / self.args.rate if self.args.rate > 0 else 0
        next_at = time.monotonic()
        seq = 0
        while not stop.is_set():
            kind, method, path, body = mix[seq % len(mix)]
            self.one(seq, kind, method, path, body)
            seq += 1
            if interval:
                # Paced, without bursts to catch up after a slow request.
                next_at = max(next_at + interval, time.monotonic())
                stop.wait(max(0.0, next_at - time.monotonic()))
        self.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="https://host:port of HAProxy")
    p.add_argument("--token-file", required=True)
    p.add_argument("--user-id", required=True, help="the user each PATCH changes")
    p.add_argument("--run-id", required=True, help="prefix of every X-Request-ID")
    p.add_argument("--keep-alive", type=int, default=2, help="workers on one connection each")
    p.add_argument("--new-conn", type=int, default=1, help="workers with a connection per request")
    p.add_argument("--rate", type=float, default=50, help="requests/s per worker (0: unpaced)")
    p.add_argument("--timeout", type=float, default=10, help="seconds per request")
    p.add_argument("--max-seconds", type=float, default=300)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    with open(args.token_file) as f:
        token = f.read().strip()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    workers = [Worker("k%d" % i, args, token, True) for i in range(args.keep_alive)]
    workers += [Worker("n%d" % i, args, token, False) for i in range(args.new_conn)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + args.max_seconds
    progress = args.out + ".progress"
    while not stop.wait(0.2):
        if time.monotonic() > deadline:
            stop.set()
        with open(progress + ".tmp", "w") as f:
            f.write("%d\n" % sum(len(w.records) for w in workers))
        os.replace(progress + ".tmp", progress)
    for w in workers:
        w.join(args.timeout + 5)
        if w.is_alive():
            print("mixed_load: worker %s did not finish" % w.name, file=sys.stderr)
            return 1
    with open(args.out, "w") as f:
        for w in workers:
            for r in w.records:
                f.write("\t".join(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
