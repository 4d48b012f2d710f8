#!/usr/bin/env python3
"""The tutorial's client for the forking echo server (port 50007), written the tutorial's way in Python 3.

Usage: fork_client.py [PORT] < lines   PORT defaults to 50007. Connects to 127.0.0.1 (a refused connection is
a traceback and status 1, as in the tutorial), then prints "Enter q or Q to quits:".
Per line of stdin (raw_input: prompt first, trailing "\n" dropped): prompt ">" (no newline), send the line's
bytes (q included); q or Q: close, exit 0; else recv(1024), print it + "\n".
As in the tutorial, an empty line sends nothing and then waits forever: do not pipe one.
End of input: "EOFError: EOF when reading a line" on stderr, status 1, socket closed without q.
Deviation: a reply of b"" (server closed) writes "server closed the connection" on stderr, status 3.
"""
import socket
import sys
from tutorial_io import out, raw_input


port = int(sys.argv[1]) if len(sys.argv) > 1 else 50007
clientsocket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
clientsocket.connect(("127.0.0.1", port))
out(b"Enter q or Q to quits:\n")
while True:
    data = raw_input(b">")
    clientsocket.send(data)
    if data == b"q" or data == b"Q":
        break
    newdata = clientsocket.recv(1024)
    if not newdata:
        sys.stderr.write("server closed the connection\n")
        sys.exit(3)
    out(newdata + b"\n")
clientsocket.close()
