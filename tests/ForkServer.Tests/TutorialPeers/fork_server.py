#!/usr/bin/env python3
"""The tutorial's forking echo server (port 50007), written the tutorial's way in Python 3.

Usage: fork_server.py [PORT [N]]   PORT defaults to 50007 (0: the kernel picks one); N = clients to serve
before exiting (default 0: forever, as the tutorial's dispatcher). After the N-th fork the parent closes its
sockets, waits for every child still running (blocking waitpid), printing "Reaped Child Process: <pid>"
for each, and exits 0.
SO_REUSEADDR, bind 127.0.0.1 (the tutorial: '' = every interface), print the banner, listen(5) (that order).
Per client: accept, reapChildren() (waitpid(0, WNOHANG) until none is ready: "Reaped Child Process: <pid>"
for each), fork. The child: recv(1024); exactly b"q"/b"Q": close, os._exit(0); else send b"you send:" + chunk.
The child prints nothing. The parent does not close its copy of the client socket: as in the tutorial it is
dropped only when the next accept rebinds the variable.
Deviation: recv returning b"" (client closed without q): the child closes and _exits(0) (the tutorial's
answers b"" with b"you send:" and dies with a traceback).
stdout: exactly the tutorial's prints (banner verbatim, whatever PORT is).
stderr: one line "ready 127.0.0.1:PORT" once listening (not in the tutorial: tells a test the port).
"""
import os
import sys
import traceback
from socket import socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR
from tutorial_io import out, ready


myPort = int(sys.argv[1]) if len(sys.argv) > 1 else 50007
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0

sockobj = socket(AF_INET, SOCK_STREAM)
sockobj.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
sockobj.bind(("127.0.0.1", myPort))
out(b"The server is listening on port 50007\n")
sockobj.listen(5)
ready(sockobj)
activeChildren = []


def reapChildren():
    while activeChildren:
        pid, stat = os.waitpid(0, os.WNOHANG)
        if not pid:
            break
        activeChildren.remove(pid)
        out(b"Reaped Child Process: %d\n" % pid)


def handleClient(connection):
    while True:
        data = connection.recv(1024)
        if data == b"q" or data == b"Q":
            connection.close()
            break
        if not data:  # deviation: end of stream, see the header
            connection.close()
            break
        connection.send(b"you send:" + data)
    os._exit(0)


def dispatcher():
    forks = 0
    while True:
        connection, address = sockobj.accept()
        reapChildren()
        childPid = os.fork()
        if childPid == 0:
            try:
                handleClient(connection)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(1)  # reached only if handleClient raised: a child never returns here
        else:
            activeChildren.append(childPid)
        forks += 1
        if forks == limit:
            connection.close()
            return


dispatcher()
sockobj.close()
while activeChildren:
    pid, stat = os.waitpid(0, 0)
    activeChildren.remove(pid)
    out(b"Reaped Child Process: %d\n" % pid)
