#!/usr/bin/env python3
"""Runs every tutorial peer against its partner (Python client vs Python server) and checks, literally:
each side's stdout, its exit status, and the bytes on the wire in each direction, chunk by chunk.

Usage: check_peers.py [-v] [NAME...]   (NAMES: greet echo udp exc exc-refused exc-inuse chat chat-client-quits
fork thread thread-refused select fork_demo zombie_demo thread_demo; default all). Exit status 0 if all pass.

The wire is recorded by a relay the client talks to instead of the server: it logs every chunk one recv()
returned, with its direction ("C>" client to server, "S>" server to client), and forwards it. The server then
sees the relay's address, not the client's. Before comparing, varying numbers are replaced:
"('127.0.0.1', <port>)" by "('127.0.0.1', PORT)" and the pids of the demos by PID.
Every server is started with port 0 (its "ready 127.0.0.1:PORT" line on stderr names the port) and a client
count, so that it exits by itself. Takes a few seconds; every process is bounded by a timeout and killed.
"""
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 10
verbose = False


def peer(name):
    return [sys.executable, os.path.join(HERE, name)]


class Relay:
    """A TCP or UDP relay between the client and the server that records what goes each way."""

    def __init__(self, server_port, udp=False):
        self.chunks = []
        self.lock = threading.Lock()
        self.udp = udp
        kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = ("127.0.0.1", server_port)
        if not udp:
            self.sock.listen(5)
        threading.Thread(target=self.run_udp if udp else self.run_tcp, daemon=True).start()

    def record(self, direction, data):
        with self.lock:
            self.chunks.append((direction, data))

    def run_tcp(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.server)
            threading.Thread(target=self.pump, args=(client, upstream, "C>"), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, "S>"), daemon=True).start()

    def pump(self, src, dst, direction):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.record(direction, b"<close>")
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            self.record(direction, data)
            try:
                dst.sendall(data)
            except OSError:
                return

    def run_udp(self):
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        client = None
        while True:
            ready, _, _ = select.select([self.sock, upstream], [], [])
            if self.sock in ready:
                data, client = self.sock.recvfrom(65536)
                self.record("C>", data)
                upstream.sendto(data, self.server)
            if upstream in ready:
                data, _ = upstream.recvfrom(65536)
                self.record("S>", data)
                self.sock.sendto(data, client)

    def wire(self):
        with self.lock:
            return list(self.chunks)

    def per_direction(self):
        """The chunks of each direction in order (the two directions interleave differently from run to run
        only around a close, so each direction is compared on its own)."""
        chunks = self.wire()
        return ([d for k, d in chunks if k == "C>"], [d for k, d in chunks if k == "S>"])


def normalize(text):
    text = re.sub(rb"\('127\.0\.0\.1', \d+\)", b"('127.0.0.1', PORT)", text)
    return text


def start_server(script, args, stdin=subprocess.DEVNULL):
    proc = subprocess.Popen(peer(script) + args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stderr.readline().decode()
    m = re.match(r"ready 127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError("%s did not start: %r %r" % (script, line, proc.stderr.read()))
    return proc, int(m.group(1))


def run_client(script, port, stdin_bytes):
    proc = subprocess.run(peer(script) + [str(port)], input=stdin_bytes, capture_output=True, timeout=TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr


def finish(proc):
    """Waits for a server to exit by itself (communicate closes its stdin first, if it is a pipe)."""
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return "timeout", out, err
    return proc.returncode, out, err


failures = []


def check(name, what, actual, expected):
    if actual != expected:
        failures.append(name)
        print("FAIL %s: %s\n  expected %r\n  actual   %r" % (name, what, expected, actual))
    elif verbose:
        print("  ok %s: %s = %r" % (name, what, actual))


def pair(name, server, server_args, client, client_stdin, expect, server_stdin=None, udp=False,
         clients=1, keep_server_stdin_open=False):
    """expect: dict with client_out, client_rc, server_out, server_rc, c2s, s2c (lists of chunks),
    client_err (optional)."""
    stdin = subprocess.PIPE if (server_stdin is not None or keep_server_stdin_open) else subprocess.DEVNULL
    srv, port = start_server(server, server_args, stdin=stdin)
    if server_stdin is not None:
        srv.stdin.write(server_stdin)
        srv.stdin.flush()
    relay = Relay(port, udp=udp)
    results = []
    for i in range(clients):
        results.append(run_client(client, relay.port, client_stdin[i] if isinstance(client_stdin, list) else client_stdin))
        time.sleep(0.2)
    srv_rc, srv_out, srv_err = finish(srv)
    time.sleep(0.2)  # let the relay see the last close
    for i, (rc, out, err) in enumerate(results):
        suffix = "" if clients == 1 else "[%d]" % i
        exp_out = expect["client_out"][i] if clients > 1 else expect["client_out"]
        check(name, "client%s stdout" % suffix, normalize(out), exp_out)
        check(name, "client%s status" % suffix, rc, expect.get("client_rc", 0))
        if "client_err" in expect:
            check(name, "client%s stderr" % suffix, err, expect["client_err"])
    check(name, "server stdout", normalize(srv_out), expect["server_out"])
    check(name, "server status", srv_rc, expect.get("server_rc", 0))
    c2s, s2c = relay.per_direction()
    if "c2s" in expect:
        check(name, "wire client->server", c2s, expect["c2s"])
    if "s2c" in expect:
        check(name, "wire server->client", s2c, expect["s2c"])
    if verbose:
        print("  %s wire: %r" % (name, relay.wire()))


def alone(name, script, args, stdin_bytes, expected_out, expected_rc, expected_err=None):
    proc = subprocess.run(peer(script) + args, input=stdin_bytes, capture_output=True, timeout=TIMEOUT)
    if expected_out is not None:
        check(name, "stdout", normalize(proc.stdout), expected_out)
    check(name, "status", proc.returncode, expected_rc)
    if expected_err is not None:
        check(name, "stderr", proc.stderr, expected_err)
    return proc


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


ADDR = b"('127.0.0.1', PORT)"


def t_greet():
    pair("greet", "greet_server.py", ["0", "1"], "greet_client.py", b"", {
        "client_out": b"Received data: Thank you for Connecting  \n\n",
        "server_out": b"The server is waiting for conneciton on port 8090\nGot the connection from " + ADDR + b"\n",
        "c2s": [b"<close>"],
        "s2c": [b"Thank you for Connecting  \n", b"<close>"],
    })


def t_echo():
    prompt = b"Enter data to send to server: press q or Q to quit:\n"
    pair("echo", "echo_server.py", ["0", "1"], "echo_client.py", b"hello\nworld\nq\n", {
        "client_out": prompt + b"You Send:hello\n" + prompt + b"You Send:world\n" + prompt,
        "server_out": b"Server is running on port 5090:\nReceived the connection from: " + ADDR + b"\n"
                      b"Data received hello\nData received world\nClient quits:\n",
        "c2s": [b"hello", b"world", b"q", b"<close>"],
        "s2c": [b"You Send:hello", b"You Send:world", b"<close>"],
    })


def t_udp():
    prompt = b"Type Something(q or Q to exit:)"
    pair("udp", "udp_server.py", ["0", "3"], "udp_client.py", b"hello\n\nworld\nq\n", {
        "client_out": prompt + b"Received: hello\n" + prompt + b"Received: \n" + prompt + b"Received: world\n" + prompt,
        "server_out": b"UDP -Echo Server listening on port 5000:\n" + ADDR + b" :said hello\n" + ADDR + b" :said \n"
                      + ADDR + b" :said world\n",
        "c2s": [b"hello", b"", b"world"],
        "s2c": [b"hello", b"", b"world"],
    }, udp=True)


def t_exc():
    prompt = b"Type Something(q or Q to exit:)"
    pair("exc", "exc_server.py", ["0", "1"], "exc_client.py", b"hello\nq\n", {
        "client_out": prompt + b"You Send:hello\n" + prompt,
        "server_out": b"The server is listening on port: 50000\nReceived the connection from: " + ADDR + b"\n"
                      b"Data received: hello\nClient quits:\n",
        "c2s": [b"hello", b"q", b"<close>"],
        "s2c": [b"You Send:hello", b"<close>"],
    })


def t_exc_refused():
    alone("exc-refused", "exc_client.py", [str(closed_port())], b"hello\n",
          b"Could not open socket: Connection refused\n", 1)


def t_exc_inuse():
    srv, port = start_server("exc_server.py", ["0", "1"])
    alone("exc-inuse", "exc_server.py", [str(port)], b"", b"Could not open socket: Address already in use\n", 1)
    srv.kill()
    srv.communicate()


def t_chat():
    send = b"SEND( TYPE q or Q to Quit):"
    # The server speaks first: hello; the client answers hey; the server types q.
    pair("chat", "chat_server.py", ["0", "1"], "chat_client.py", b"hey\n", {
        "client_out": b"RECIEVED: hello\n" + send + b"I received q\n",
        "server_out": b"TCPServer Waiting for client on port 5000\nI got a connection from  " + ADDR + b"\n"
                      + send + b"RECIEVED: hey\n" + send,
        "c2s": [b"hey", b"<close>"],
        "s2c": [b"hello", b"q", b"<close>"],
    }, server_stdin=b"hello\nq\n")


def t_chat_client_quits():
    send = b"SEND( TYPE q or Q to Quit):"
    pair("chat-client-quits", "chat_server.py", ["0", "1"], "chat_client.py", b"q\n", {
        "client_out": b"RECIEVED: hello\n" + send,
        "server_out": b"TCPServer Waiting for client on port 5000\nI got a connection from  " + ADDR + b"\n" + send,
        "c2s": [b"q", b"<close>"],
        "s2c": [b"hello", b"<close>"],
    }, server_stdin=b"hello\n")


def t_fork():
    srv, port = start_server("fork_server.py", ["0", "2"])
    relay = Relay(port)
    first = run_client("fork_client.py", relay.port, b"hello\nq\n")
    time.sleep(0.3)
    second = run_client("fork_client.py", relay.port, b"world\nq\n")
    rc, out, err = finish(srv)
    time.sleep(0.2)
    for i, (crc, cout, cerr) in enumerate([first, second]):
        word = [b"hello", b"world"][i]
        check("fork", "client[%d] stdout" % i, cout, b"Enter q or Q to quits:\n>you send:" + word + b"\n>")
        check("fork", "client[%d] status" % i, crc, 0)
    pids = re.findall(rb"Reaped Child Process: (\d+)\n", out)
    check("fork", "server stdout",
          re.sub(rb"Reaped Child Process: \d+\n", b"Reaped Child Process: PID\n", out),
          b"The server is listening on port 50007\n" + b"Reaped Child Process: PID\n" * 2)
    check("fork", "two different children reaped", len(set(pids)), 2)
    check("fork", "server status", rc, 0)
    c2s, s2c = relay.per_direction()
    check("fork", "wire client->server", c2s, [b"hello", b"q", b"<close>", b"world", b"q", b"<close>"])
    check("fork", "wire server->client", s2c, [b"you send:hello", b"<close>", b"you send:world", b"<close>"])


def t_thread():
    prompt = b"Enter data to send:"
    pair("thread", "thread_server.py", ["0", "2"], "thread_client.py", [b"hello\nq\n", b"world\nq\n"], {
        "client_out": [prompt + b"Received data: hello\n" + prompt, prompt + b"Received data: world\n" + prompt],
        "server_out": b"Waiting for connection on port 5200:\n"
                      b"New child Thread-1\nGot the connection from " + ADDR + b"\n" + ADDR + b" send:  hello\n"
                      b"The client " + ADDR + b"  quits\n"
                      b"New child Thread-2\nGot the connection from " + ADDR + b"\n" + ADDR + b" send:  world\n"
                      b"The client " + ADDR + b"  quits\n",
        "c2s": [b"hello", b"q", b"<close>", b"world", b"q", b"<close>"],
        "s2c": [b"hello", b"<close>", b"world", b"<close>"],
    }, clients=2)


def t_thread_refused():
    alone("thread-refused", "thread_client.py", [str(closed_port())], b"hello\n",
          b"Couldnot open the socket Connection refused\n", 1)


def t_select():
    pair("select", "select_server.py", ["0", "1"], "select_client.py", b"hello\nq\n\nnot sent\n", {
        "client_out": b"%hello\n%q\n%",
        "server_out": b"Got the connection from: " + ADDR + b"\nhello\n\nq\n\n\n",
        "c2s": [b"hello\n", b"q\n", b"<close>"],
        "s2c": [b"hello\n", b"q\n", b"<close>"],
    }, keep_server_stdin_open=True)


def t_select_stdin():
    # Any line on standard input stops the server, and so does end of input.
    for label, feed in (("line", b"stop\n"), ("eof", None)):
        srv, port = start_server("select_server.py", ["0"], stdin=subprocess.PIPE)
        if feed:
            srv.stdin.write(feed)
            srv.stdin.flush()
            try:
                srv.wait(timeout=TIMEOUT)  # stdin still open: the line alone must stop it
            except subprocess.TimeoutExpired:
                pass
        rc, out, err = finish(srv)
        check("select-stdin-" + label, "server stdout", out, b"")
        check("select-stdin-" + label, "server status", rc, 0)


def t_fork_demo():
    p = alone("fork_demo", "fork_demo.py", ["0.2"], b"", None, 0)  # stdout is checked below, with the pids
    lines = p.stdout.split(b"\n")
    parent = re.match(rb"Before the fork my pid is: (\d+)$", lines[0])
    check("fork_demo", "first line", bool(parent), True)
    rest = sorted(lines[1:3])
    check("fork_demo", "lines 2-3", [re.sub(rb"\d+", b"PID", l) for l in rest],
          [b"Hello from the child my pid is: PID", b"Hello from the parent my pid is: PID"])
    check("fork_demo", "parent line names the first pid",
          parent and (b"Hello from the parent my pid is: " + parent.group(1)) in rest, True)
    check("fork_demo", "last lines", lines[3:], [b"Hello from both of us:", b"Hello from both of us:", b""])


def t_zombie_demo():
    p = subprocess.run(peer("zombie_demo.py") + ["0.5"], capture_output=True, timeout=TIMEOUT)
    check("zombie_demo", "stdout", re.sub(rb"\d+", b"PID", p.stdout).replace(b"sleeping PID seconds", b"sleeping 50 seconds"),
          b"Before the fork my PID is: PID\nHello from the parent: child pid will be PID\nsleeping 50 seconds...\n")
    check("zombie_demo", "status", p.returncode, 0)


def t_thread_demo():
    p = subprocess.run(peer("thread_demo.py") + ["0.2"], capture_output=True, timeout=TIMEOUT)
    lines = p.stdout.split(b"\n")
    check("thread_demo", "line 1", lines[0], b"Before starting a new thread My name is: MainThread")
    check("thread_demo", "lines 2-3 (either order)", sorted(lines[1:3]),
          [b"Hello from main thread: My name is MainThread:", b"Hello from new thread: My name is Childthread:"])
    check("thread_demo", "lines 4-5", lines[3:], [b"Hello from both of us:", b"Hello from both of us:", b""])
    check("thread_demo", "status", p.returncode, 0)


TESTS = {
    "greet": t_greet, "echo": t_echo, "udp": t_udp, "exc": t_exc, "exc-refused": t_exc_refused,
    "exc-inuse": t_exc_inuse, "chat": t_chat, "chat-client-quits": t_chat_client_quits, "fork": t_fork,
    "thread": t_thread, "thread-refused": t_thread_refused, "select": t_select, "select-stdin": t_select_stdin,
    "fork_demo": t_fork_demo, "zombie_demo": t_zombie_demo, "thread_demo": t_thread_demo,
}

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "-v":
        verbose = True
        args = args[1:]
    for name in args or TESTS:
        before = len(failures)
        TESTS[name]()
        print("%s %s" % ("ok  " if len(failures) == before else "FAIL", name))
    sys.exit(1 if failures else 0)
