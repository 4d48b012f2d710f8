#!/usr/bin/env python3
"""The tutorial's forking echo server (/work/shared/tutorial/tutorial.txt, "Managing Zombie processes: Echo
Server"), ported to Python 3 so that scripts/bench.sh can measure what the tutorial itself would do.

Usage: tutorial_fork_echo.py [PORT]   (default 50007, the tutorial's port)

The algorithm is the tutorial's: accept a client; reap every child that has exited (waitpid with WNOHANG, once per
accept, not on SIGCHLD); fork; the child answers each recv of up to 1024 bytes with b"you send:" + the data, ends
the session when the data is exactly b"q" or b"Q" (so "q\\n" from nc is echoed, as in the tutorial), and leaves
with os._exit(0); the parent remembers the child's pid and accepts the next client.

Where this differs from the tutorial, and why:
- the port comes from argv[1], so the benchmark can run it on any port;
- it binds 127.0.0.1, not '' (every address): the benchmark is local and need not be reachable from outside;
- the listen backlog is 1024, not 5 (the tutorial's "allow 5 pending connects"): with 5, a benchmark's 32 or 256
  clients connecting at once overflow the queue and see dropped SYNs and one-second retransmits, which would
  measure the backlog rather than the server; the C references (scripts/reference/echo.h) use 1024 too;
- the child also ends the session when recv returns b"" (the client closed): the tutorial's loop would then send
  b"you send:" to the closed socket until send raised, and end the child with a traceback instead of os._exit(0);
- the parent closes its copy of the client's socket after the fork: the tutorial leaves it to be collected when
  the name is rebound at the next accept, so a client that sent q would not see the end of its session (EOF)
  until another client connected;
- the child closes its copy of the listening socket, which it never uses, and ends with os._exit(0) after an
  error too, so that a client that resets the connection cannot make a child run the parent's accept loop;
- sendall rather than send, so that a reply the kernel takes in two parts is still sent whole;
- the listening line is flushed, so that it appears at once when stdout is a file or a pipe.
"""
import os
import socket
import sys

PREFIX = b"you send:"

active_children = []


def reap_children():
    """Reaps every child that has exited, without waiting for one that has not (the tutorial's reapChildren)."""
    while active_children:
        pid, _status = os.waitpid(0, os.WNOHANG)
        if pid == 0:
            break
        active_children.remove(pid)
        print("Reaped Child Process:", pid, flush=True)


def handle_client(connection):
    """The child's session: echo each message behind the prefix until q, Q or the client's close."""
    while True:
        data = connection.recv(1024)
        if data in (b"q", b"Q", b""):
            break
        connection.sendall(PREFIX + data)
    connection.close()


def dispatcher(listener):
    while True:
        connection, _address = listener.accept()
        reap_children()
        child_pid = os.fork()
        if child_pid == 0:
            status = 0
            try:
                listener.close()
                handle_client(connection)
            except OSError:
                status = 1
            finally:
                os._exit(status)
        active_children.append(child_pid)
        connection.close()


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 50007
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    print("The server is listening on port", port, flush=True)
    dispatcher(listener)


if __name__ == "__main__":
    main()
