#!/usr/bin/env python3
"""A stand-in for the AWS Price List endpoint for scripts/bench and scripts/soak.

Serves the files under ROOT on 127.0.0.1 (port 0 = any; "port N" is printed on stdout) with
no ETag and no Last-Modified, so the refresher can never get a 304: every refresh downloads,
parses and swaps. Small files (under 16 MiB) are also changed on every request: the value of
each "publicationDate" is replaced by a new, same-length timestamp, so that what is swapped in
is a genuinely new document. Large files are sent as they are with sendfile(2), so that the
upstream is never the bottleneck of an ingestion measurement.
Usage: upstream.py ROOT [PORT]
"""
import http.server
import os
import re
import socketserver
import sys
import threading

ROOT = os.path.abspath(sys.argv[1])
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
SMALL = 16 << 20
PUB = re.compile(rb'("publicationDate"\s*:\s*")[0-9T:\-]+Z(")')
counter = 0
lock = threading.Lock()


def next_stamp():
    global counter
    with lock:
        counter += 1
        n = counter
    # 2026-12-DDTHH:MM:SSZ, distinct for the first 2.6 million requests
    return b"2026-12-%02dT%02d:%02d:%02dZ" % (1 + n // 86400 % 28, n // 3600 % 24, n // 60 % 60, n % 60)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        path = os.path.normpath(os.path.join(ROOT, self.path.split("?")[0].lstrip("/")))
        if not path.startswith(ROOT + os.sep) or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        size = os.path.getsize(path)
        if size < SMALL:
            with open(path, "rb") as f:
                body = f.read()
            stamp = next_stamp()
            body = PUB.sub(lambda m: m.group(1) + stamp + m.group(2), body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with open(path, "rb") as f:
            self.connection.sendfile(f)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", PORT), Handler)
print("port %d" % srv.server_address[1], flush=True)
srv.serve_forever()
