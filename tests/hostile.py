#!/usr/bin/env python3
"""hostile.py - the real computefit binary against hostile clients (issue 6, item 6).

Usage (meson test): hostile.py BUILD_ROOT

Starts BUILD_ROOT/computefit with limits that allow the test's load (connection_limit 4096,
per_ip_connection_limit 0, connection_timeout 3 s) and a soft RLIMIT_NOFILE of 1024, so the
server has to raise its own limit to hold the connections. Then:

  1. 2,000 idle TCP connections, 100 slowloris requests (headers trickled a byte at a time,
     never finished) and 50 requests whose announced body never comes, while GET /healthz is
     polled on fresh connections: every poll answers 200 within 2 s; once the clients stop
     sending, the server closes every one of those connections (EOF or reset) after its
     connection_timeout; its RSS returns to within a tolerance of its level before the attack.
  2. One at a time, each followed by a GET /healthz that must answer 200: a 100 KB header,
     1,000 headers, a POST body without Content-Length, a chunked body past max_body_bytes,
     absurd Content-Lengths, 10 pipelined GETs in one write, invalid UTF-8 in the URL and the
     body, 10,000 levels of [ and of {"a": in /advise, /compare and a plan, a binary request
     line. Each is answered 4xx or closed; where the answer comes from computefit its status,
     Content-Type and error shape are checked.
  3. Early 413s to clients that write the whole body before reading (no "Expect:
     100-continue", as Python's urllib and requests send): 10 bodies of 2 MB and 10 of 20 MB,
     each must read the 413 with the JSON error (the server reads and drops the body after the
     413: lingering close); 3 bodies past lingering_close_bytes (the client may see a reset);
     a chunked body past lingering_close_bytes is cut off; a client that stops sending
     mid-body reads the 413 and is let go after lingering_close_timeout. The server closes
     every one of those sockets, and /healthz answers after each.
  4. SIGTERM: the server exits 0.
  5. A second start with a hard RLIMIT_NOFILE below what connection_limit needs: the server
     clamps connection_limit, logs a warning saying so, and still serves.

Standard library only. Prints one line per check; exits 1 on the first failure (with the
server's log tail), 0 when everything held.
"""
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
TIMEOUT_S = 3  # the server's connection_timeout
IDLE = 2000
SLOW_HEADERS = 100
SLOW_BODIES = 50
HEALTH_BOUND_S = 2.0
MAX_BODY = 65536  # the server's default max_body_bytes
LINGER_BYTES = 33554432  # the server's default lingering_close_bytes
LINGER_S = 3  # the server's lingering_close_timeout


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"ok - {what}", flush=True)


# ---- the server -------------------------------------------------------------------------------

class Server:
    def __init__(self, build_root, extra_args, soft_nofile, hard_nofile=None):
        self.log = tempfile.NamedTemporaryFile(prefix="hostile-", suffix=".log", delete=False)
        args = [os.path.join(build_root, "computefit"), "--port", "0", "--bind", HOST,
                "--refresh", "false", "--threads", "2", "--log_level", "info"] + extra_args

        def limits():
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1] if hard_nofile is None \
                else hard_nofile
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft_nofile, hard), hard))

        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, preexec_fn=limits)
        self.port = None
        deadline = time.monotonic() + 60  # sanitizer builds start slowly
        while self.port is None and time.monotonic() < deadline:
            for ev in self.events():
                if ev.get("event") == "listening":
                    self.port = ev["port"]
            if self.port is None:
                if self.proc.poll() is not None:
                    raise Failure(f"the server exited with {self.proc.returncode} at start")
                time.sleep(0.05)
        if self.port is None:
            raise Failure("the server did not log its port within 60 s")

    def events(self):
        out = []
        with open(self.log.name, "rb") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def holds(self, client_ports):
        """Which of these client ports the server still holds a socket for (its descriptors
        matched with the kernel's TCP table by inode)."""
        by_inode = {}
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local = int(fields[1].rsplit(":", 1)[1], 16)
                    remote = int(fields[2].rsplit(":", 1)[1], 16)
                    if local == self.port and remote in client_ports:
                        by_inode[fields[9]] = remote
        held = set()
        fd_dir = f"/proc/{self.proc.pid}/fd"
        for fd in os.listdir(fd_dir):
            try:
                link = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue  # closed meanwhile
            if link.startswith("socket:[") and link[8:-1] in by_inode:
                held.add(by_inode[link[8:-1]])
        return held

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise Failure("no VmRSS in /proc/PID/status")

    def sanitized(self):
        """Whether the binary runs under ASan or TSan (their allocators keep freed memory)."""
        with open(f"/proc/{self.proc.pid}/maps") as f:
            maps = f.read()
        with open(f"/proc/{self.proc.pid}/exe", "rb") as f:  # clang links TSan statically
            exe = f.read()
        return "libasan" in maps or "libtsan" in maps or b"__tsan_init" in exe or \
            b"__asan_init" in exe

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("the server did not exit within 60 s of SIGTERM")

    def tail(self, n=40):
        with open(self.log.name, "rb") as f:
            return b"".join(f.readlines()[-n:]).decode("utf-8", "replace")

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.unlink(self.log.name)


# ---- a small HTTP/1.1 client ------------------------------------------------------------------

def connect(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Reads responses off one socket: status, headers (lower-cased) and a Content-Length body."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
        self.buf += data

    def response(self):
        while b"\r\n\r\n" not in self.buf:
            if self.eof:
                return None
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n and not self.eof:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body


def exchange(port, raw, timeout=10.0):
    """Sends `raw` on a new connection; returns the first response, or None when the server
    closed the connection without one."""
    s = connect(port, timeout)
    try:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before it has read everything
        return Reader(s).response()
    finally:
        s.close()


def request(method, path, headers=(), body=b""):
    lines = [f"{method} {path} HTTP/1.1".encode("latin-1"), b"Host: 127.0.0.1"]
    lines += [h.encode("latin-1") if isinstance(h, str) else h for h in headers]
    if body and not any(b"transfer-encoding" in (h.lower() if isinstance(h, bytes)
                                                 else h.lower().encode()) for h in headers):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def health(port, bound=HEALTH_BOUND_S):
    t0 = time.monotonic()
    try:
        r = exchange(port, request("GET", "/healthz", ["Connection: close"]), timeout=bound + 1)
    except OSError:  # refused, reset or timed out: no answer
        r = None
    dt = time.monotonic() - t0
    return r is not None and r[0] == 200 and dt <= bound, dt


def expect_error(r, status, code, what, field=None, message_has=None):
    """Checks an answer that must come from computefit: the status, JSON, the one error shape."""
    check(r is not None, f"{what}: answered")
    st, headers, body = r
    check(st == status, f"{what}: status {st} (want {status})")
    check(headers.get("content-type") == "application/json", f"{what}: application/json")
    check("x-request-id" in headers, f"{what}: X-Request-Id")
    doc = json.loads(body)
    err = doc.get("error") if isinstance(doc, dict) else None
    check(isinstance(err, dict) and set(doc) == {"error"} and err.get("code") == code and
          isinstance(err.get("message"), str) and len(err["message"]) > 10 and
          set(err) <= {"code", "message", "field"} and err.get("field") == field,
          f"{what}: error shape with code {code}, field {field}: {body[:200]!r}")
    if message_has:
        check(message_has in err["message"], f"{what}: the message says {message_has}")


def closed_or_4xx(r, what):
    """For answers libmicrohttpd gives by itself: a 4xx, or the connection closed."""
    check(r is None or 400 <= r[0] < 500, f"{what}: {'closed' if r is None else r[0]}")


def still_healthy(port, after):
    ok, dt = health(port)
    check(ok, f"after {after}: /healthz answers 200 ({dt * 1000:.0f} ms)")


# ---- 1. idle connections, slowloris, stalled bodies -------------------------------------------

def attack(srv):
    port = srv.port
    # Warm up: the allocator's arenas, the thread pool and the advice path, then measure.
    for _ in range(100):
        exchange(port, request("GET", "/healthz", ["Connection: close"]))
    body = b'{"duration":"30s","memory":"1GB","invocations":"500/day"}'
    for _ in range(20):
        exchange(port, request("POST", "/advise", ["Content-Type: application/json",
                                                   "Connection: close"], body))
    time.sleep(0.5)
    rss_before = srv.rss_kb()
    print(f"# RSS before the attack: {rss_before} kB", flush=True)

    t0 = time.monotonic()
    idle = [connect(port) for _ in range(IDLE)]
    check(True, f"{IDLE} idle connections open ({time.monotonic() - t0:.1f} s)")
    slow = []
    for i in range(SLOW_HEADERS):
        s = connect(port)
        s.sendall(b"G")
        slow.append([s, b"ET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-%d: " % i + b"x" * 64])
    stalled = []
    for _ in range(SLOW_BODIES):
        s = connect(port)
        s.sendall(request("POST", "/advise", ["Content-Type: application/json",
                                              "Content-Length: 1000"]))
        stalled.append(s)

    # Trickle a byte per slowloris connection every 100 ms for 2 s, polling health between.
    worst = 0.0
    polls = 0
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        for entry in slow:
            if entry[1]:
                try:
                    entry[0].sendall(entry[1][:1])
                except OSError:
                    pass
                entry[1] = entry[1][1:]
        ok, dt = health(port)
        worst = max(worst, dt)
        polls += 1
        check(ok, f"/healthz during the attack answers 200 within {HEALTH_BOUND_S} s "
                  f"({dt * 1000:.0f} ms)")
        time.sleep(0.1)
    print(f"# {polls} health polls during the attack, slowest {worst * 1000:.0f} ms", flush=True)
    rss_peak = srv.rss_kb()
    print(f"# RSS under attack: {rss_peak} kB", flush=True)

    # The clients now stay silent: after connection_timeout the server must close everything.
    victims = idle + [e[0] for e in slow] + stalled
    poller = select.poll()
    by_fd = {}
    for s in victims:
        s.setblocking(False)
        poller.register(s, select.POLLIN | select.POLLHUP | select.POLLERR)
        by_fd[s.fileno()] = s
    t_quiet = time.monotonic()
    open_fds = set(by_fd)
    answered = 0
    limit = time.monotonic() + TIMEOUT_S + 15
    while open_fds and time.monotonic() < limit:
        for fd, _ in poller.poll(500):
            if fd not in open_fds:
                continue
            try:
                data = by_fd[fd].recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                continue
            if data:
                answered += 1  # e.g. a 408; the close follows
                continue
            open_fds.discard(fd)
            poller.unregister(fd)
        if polls % 10 == 0:
            ok, dt = health(port)
            check(ok, f"/healthz while connections are reaped ({dt * 1000:.0f} ms)")
        polls += 1
    reaped_after = time.monotonic() - t_quiet
    check(not open_fds, f"the server closed all {len(victims)} idle and stalled connections "
                        f"({len(victims) - len(open_fds)} closed, {reaped_after:.1f} s after the "
                        f"clients went quiet; connection_timeout is {TIMEOUT_S} s)")
    check(reaped_after >= TIMEOUT_S - 1, "the last (trickled) connections were closed only after "
                                          "connection_timeout of silence")
    for s in victims:
        s.close()
    # The 50 stalled bodies reached the request handler (headers complete): their requests
    # must be finished too, or shutdown would wait for them. Only /metrics itself is in flight.
    r = exchange(port, request("GET", "/metrics", ["Connection: close"]))
    gauge = [line for line in r[2].decode().splitlines()
             if line.startswith("computefit_http_requests_in_flight ")]
    check(gauge == ["computefit_http_requests_in_flight 1"],
          f"no request is left in flight after the reaping: {gauge}")

    # Memory returns: give the server a moment to free the connections' pools, then compare.
    time.sleep(1.0)
    for _ in range(20):
        exchange(port, request("GET", "/healthz", ["Connection: close"]))
    rss_after = srv.rss_kb()
    print(f"# RSS after the attack: {rss_after} kB (before {rss_before}, peak {rss_peak})",
          flush=True)
    slack = max(4096, rss_before // 4)
    if srv.sanitized():
        print("# sanitizer build: the allocator keeps freed memory in quarantine; RSS not "
              "compared", flush=True)
    else:
        check(rss_after <= rss_before + slack,
              f"RSS {rss_after} kB is within {slack} kB of {rss_before} kB")
    opened = [e for e in srv.events() if e.get("event") == "open_files_limit"]
    check(opened and opened[0].get("now", 0) >= 4096,
          f"the server raised its soft RLIMIT_NOFILE for connection_limit 4096: {opened[:1]}")


# ---- 2. one hostile request at a time ---------------------------------------------------------

def one_by_one(srv):
    port = srv.port
    J = "Content-Type: application/json"

    r = exchange(port, request("GET", "/healthz", ["X-Big: " + "a" * 100_000]))
    closed_or_4xx(r, "one 100 KB header")
    still_healthy(port, "a 100 KB header")

    r = exchange(port, request("GET", "/healthz", [f"X-H{i}: v" for i in range(1000)]))
    closed_or_4xx(r, "1,000 headers")
    still_healthy(port, "1,000 headers")

    raw = request("POST", "/advise", [J, "Connection: close"]) + \
        b'{"duration":"30s","memory":"1GB","invocations":"500/day"}'
    expect_error(exchange(port, raw), 400, "invalid_json", "a POST body without Content-Length",
                 message_has="Content-Length")
    still_healthy(port, "a body without Content-Length")

    s = connect(port)
    s.sendall(request("POST", "/compare", [J, "Transfer-Encoding: chunked"]))
    chunk = b"x" * 8192
    try:
        for _ in range(MAX_BODY // len(chunk) + 4):
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    expect_error(Reader(s).response(), 413, "body_too_large", "a chunked body past the cap")
    s.close()
    still_healthy(port, "a chunked body past the cap")

    r = exchange(port, request("POST", "/advise", [J, "Content-Length: 99999999999999999999999"]))
    closed_or_4xx(r, "a Content-Length beyond 64 bits (libmicrohttpd answers)")
    expect_error(exchange(port, request("POST", "/advise", [J, "Content-Length: 1000000000"])),
                 413, "body_too_large", "a 1 GB Content-Length")
    r = exchange(port, request("POST", "/advise", [J, "Content-Length: -1"]) + b"{}")
    closed_or_4xx(r, "a negative Content-Length")
    still_healthy(port, "absurd Content-Lengths")

    paths = ["/healthz", "/readyz", "/nope", "/healthz", "/pricing/mars-1", "/healthz",
             "/metrics", "/healthz", "/openapi.json", "/healthz"]
    raw = b"".join(request("GET", p, [f"X-Request-Id: pipe-{i}"]) for i, p in enumerate(paths))
    s = connect(port)
    s.sendall(raw)
    rd = Reader(s)
    got = [rd.response() for _ in paths]
    s.close()
    check(all(g is not None for g in got), "10 pipelined GETs get 10 answers")
    check([g[1].get("x-request-id") for g in got] == [f"pipe-{i}" for i in range(10)],
          "the 10 pipelined answers come in order")
    check([g[0] for g in got] == [200, 200, 404, 200, 404, 200, 200, 200, 200, 200],
          f"the pipelined statuses: {[g[0] for g in got]}")

    expect_error(exchange(port, b"GET /advise?duration=\xff\xfe&memory=1GB&invocations=1 HTTP/1.1"
                                b"\r\nHost: x\r\nConnection: close\r\n\r\n"),
                 400, "invalid_field", "invalid UTF-8 in a query value", field="duration")
    expect_error(exchange(port, b"GET /h\xc3\x28z HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                 404, "not_found", "invalid UTF-8 in the path")
    expect_error(exchange(port, request("POST", "/advise", [J, "Connection: close"],
                                        b'{"duration":"3\xff\xfe0s","memory":1,"invocations":1}')),
                 400, "invalid_json", "invalid UTF-8 in the body")
    still_healthy(port, "invalid UTF-8")

    deep = {
        "10,000 [ in /advise": ("/advise", b"[" * 10000),
        "10,000 [ in /compare": ("/compare", b"[" * 10000),
        '10,000 {"a": in /advise': ("/advise", b'{"a":' * 10000 + b"1"),
        '10,000 {"a": in /compare': ("/compare", b'{"a":' * 10000 + b"1"),
        "10,000 [ in a plan": ("/advise", b'{"tasks":[{"name":"a","fargate":' + b"[" * 10000),
        '10,000 {"a": in a plan': ("/advise", b'{"tasks":[{"name":"a","fargate":' +
                                  b'{"a":' * 10000 + b"1"),
    }
    for what, (path, body) in deep.items():
        expect_error(exchange(port, request("POST", path, [J, "Connection: close"], body)),
                     400, "invalid_json", what)
        still_healthy(port, what)

    r = exchange(port, b"\x00\x01\x02\xff garbage\r\n\r\n", timeout=TIMEOUT_S + 10)
    closed_or_4xx(r, "a binary request line")
    still_healthy(port, "a binary request line")


# ---- 3. early 413s and lingering close ---------------------------------------------------------

def send_all_then_read(port, size, ports):
    """POSTs a `size`-byte body the way urllib does: the whole body is written before anything
    is read. Returns the response, or the exception that the write or read raised. The client's
    port is added to `ports`."""
    s = connect(port, timeout=30)
    ports.add(s.getsockname()[1])
    try:
        s.sendall(request("POST", "/advise", ["Content-Type: application/json",
                                              f"Content-Length: {size}"]))
        chunk = b" " * (1 << 20)
        left = size
        while left > 0:
            n = min(left, len(chunk))
            s.sendall(chunk[:n])
            left -= n
        return Reader(s).response()
    except OSError as e:
        return e
    finally:
        s.close()


def released(srv, ports, what, bound_s):
    """Waits (bounded) until the server holds no socket of these client ports."""
    deadline = time.monotonic() + bound_s
    while srv.holds(ports) and time.monotonic() < deadline:
        time.sleep(0.05)
    held = srv.holds(ports)
    check(not held, f"{what}: the server closed all {len(ports)} sockets (still held: {held})")


def lingering(srv):
    port = srv.port
    ports = set()
    for size, runs in ((2_000_000, 10), (20_000_000, 10)):
        for i in range(runs):
            r = send_all_then_read(port, size, ports)
            check(not isinstance(r, OSError),
                  f"a {size} B body written before reading, run {i + 1}: the client read an "
                  f"answer{'' if not isinstance(r, OSError) else ', not ' + repr(r)}")
            expect_error(r, 413, "body_too_large", f"a {size} B body, run {i + 1}")
            check(r[1].get("connection") == "close", f"a {size} B body, run {i + 1}: "
                                                      "Connection: close")
        still_healthy(port, f"{runs} bodies of {size} B")
    released(srv, ports, "after the lingering closes", LINGER_S + 10)

    too_big = LINGER_BYTES + 8_000_000
    ports = set()
    for i in range(3):
        r = send_all_then_read(port, too_big, ports)
        print(f"# a body past lingering_close_bytes, run {i + 1}: "
              f"{r[0] if isinstance(r, tuple) else repr(r)}", flush=True)
        still_healthy(port, f"a {too_big} B body past lingering_close_bytes")
    released(srv, ports, "after bodies past lingering_close_bytes", LINGER_S + 10)

    # A chunked body cannot be answered before its end: past lingering_close_bytes the server
    # closes the connection instead of reading on.
    s = connect(port, timeout=30)
    s.sendall(request("POST", "/advise", ["Content-Type: application/json",
                                          "Transfer-Encoding: chunked"]))
    chunk = b"%x\r\n" % (1 << 20) + b" " * (1 << 20) + b"\r\n"
    cut = None
    try:
        for _ in range(LINGER_BYTES // (1 << 20) + 64):
            s.sendall(chunk)
    except OSError as e:
        cut = e
    s.close()
    check(isinstance(cut, OSError), f"a chunked body past lingering_close_bytes is cut off: {cut!r}")
    still_healthy(port, "a chunked body past lingering_close_bytes")

    # A client that stops sending mid-body reads the 413; the server drops it after the
    # lingering deadline: its descriptor goes, and the client's next writes fail.
    s = connect(port, timeout=30)
    s.sendall(request("POST", "/advise", ["Content-Type: application/json",
                                          "Content-Length: 10000000"]) + b" " * 100_000)
    expect_error(Reader(s).response(), 413, "body_too_large", "a body that stops half way")
    stalled = {s.getsockname()[1]}
    check(srv.holds(stalled) == stalled, "the server still reads the stalled body after the 413")
    released(srv, stalled, "a stalled body after lingering_close_timeout", LINGER_S + 10)
    failed = None
    for _ in range(50):  # the first write after the close may still be accepted locally
        try:
            s.sendall(b" " * 65536)
        except OSError as e:
            failed = e
            break
        time.sleep(0.02)
    s.close()
    check(isinstance(failed, (BrokenPipeError, ConnectionResetError)),
          f"the stalled client's connection was closed by the server: {failed!r}")
    still_healthy(port, "a stalled body")


# ---- 5. a hard limit too low for connection_limit ---------------------------------------------

def clamped(build_root):
    srv = Server(build_root, ["--connection_limit", "4096", "--per_ip_connection_limit", "0"],
                 soft_nofile=512, hard_nofile=512)
    try:
        warn = [e for e in srv.events() if e.get("event") == "connection_limit_clamped"]
        check(warn and warn[0].get("level") == "warn" and 0 < warn[0].get("now", 0) < 512,
              f"with a hard RLIMIT_NOFILE of 512 the connection limit is clamped: {warn[:1]}")
        still_healthy(srv.port, "clamping the connection limit")
        check(srv.stop() == 0, "the clamped server exits 0 on SIGTERM")
    finally:
        srv.cleanup()


def main():
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    build_root = sys.argv[1]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = IDLE + SLOW_HEADERS + SLOW_BODIES + 200
    if hard != resource.RLIM_INFINITY and hard < need:
        print(f"hostile: SKIP: the hard RLIMIT_NOFILE ({hard}) is below the {need} fds the "
              "test needs")
        return 77
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))

    started = time.monotonic()
    srv = Server(build_root, ["--connection_limit", "4096", "--per_ip_connection_limit", "0",
                              "--connection_timeout", str(TIMEOUT_S),
                              "--lingering_close_timeout", str(LINGER_S)], soft_nofile=1024)
    try:
        attack(srv)
        one_by_one(srv)
        lingering(srv)
        status = srv.stop()
        check(status == 0, f"the server exits 0 on SIGTERM (got {status})")
        check(any(e.get("event") == "stopped" for e in srv.events()), "it logged 'stopped'")
        clamped(build_root)
    except (Failure, OSError) as e:  # OSError: a socket timed out waiting for an answer
        print(f"not ok - {e!r}" if isinstance(e, OSError) else f"not ok - {e}")
        print("# server log (tail):")
        print("".join("# " + line + "\n" for line in srv.tail().splitlines()))
        return 1
    finally:
        srv.cleanup()
    print(f"# hostile: all checks held in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
