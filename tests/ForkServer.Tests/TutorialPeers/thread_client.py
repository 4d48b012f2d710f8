#!/usr/bin/env python3
"""The tutorial's "Echo Client" for the threaded server (port 5300), written the tutorial's way in Python 3.

Usage: thread_client.py [PORT] < lines   PORT defaults to 5300. Connects to 127.0.0.1; if that fails:
"Couldnot open the socket <strerror>" (e.g. "Connection refused") on stdout, status 1.
Per line of stdin (raw_input: prompt first, trailing "\n" dropped): prompt "Enter data to send:" (no newline);
q or Q: send it and exit 0 (no explicit close, as in the tutorial); else send the line's bytes, recv(1024),
print "Received data: " + reply + "\n".
As in the tutorial, an empty line sends nothing and then waits forever: do not pipe one.
End of input: "EOFError: EOF when reading a line" on stderr, status 1, socket closed without q.
Deviation: a reply of b"" (server closed) writes "server closed the connection" on stderr, status 3.
"""
import socket
import sys
from tutorial_io import out, raw_input


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5300
c = None
try:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(("127.0.0.1", port))
except OSError as e:  # Python 2: except socket.error, (value, message)
    if c:
        c.close()
    out(b"Couldnot open the socket " + e.strerror.encode() + b"\n")
    sys.exit(1)
while True:
    data = raw_input(b"Enter data to send:")
    if data == b"q" or data == b"Q":
        c.send(data)
        break
    c.send(data)
    reply = c.recv(1024)
    if not reply:
        sys.stderr.write("server closed the connection\n")
        sys.exit(3)
    out(b"Received data: " + reply + b"\n")
