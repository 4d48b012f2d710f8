#!/usr/bin/env python3
"""The tutorial's "simple echo client that handles some exceptions" (port 50000), the tutorial's way in Python 3.

Usage: exc_client.py [PORT] < lines   PORT defaults to 50000. Connects to 127.0.0.1; if that fails:
print "Could not open socket: <strerror>" (e.g. "Connection refused") on STDOUT and exit 1.
Per line of stdin (raw_input: prompt first, trailing "\n" dropped): prompt "Type Something(q or Q to exit:)"
(no newline), send the line's bytes (q included); q or Q: close, exit 0; else recv(1024), print it + "\n".
As in the tutorial, an empty line sends nothing and then waits forever: do not pipe one.
End of input: "EOFError: EOF when reading a line" on stderr, status 1, socket closed without q.
Deviation: a reply of b"" (server closed) writes "server closed the connection" on stderr, status 3.
"""
import socket
import sys
from tutorial_io import out, raw_input


port = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
s = None
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", port))
except OSError as e:  # Python 2: except socket.error, (value, message)
    if s:
        s.close()
    out(b"Could not open socket: " + e.strerror.encode() + b"\n")
    sys.exit(1)
while True:
    data = raw_input(b"Type Something(q or Q to exit:)")
    s.send(data)
    if data == b"q" or data == b"Q":
        s.close()
        break
    newdata = s.recv(1024)
    if not newdata:
        sys.stderr.write("server closed the connection\n")
        sys.exit(3)
    out(newdata + b"\n")
