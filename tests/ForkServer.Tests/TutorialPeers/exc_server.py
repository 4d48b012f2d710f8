#!/usr/bin/env python3
"""The tutorial's "simple echo server that handles exceptions" (port 50000), the tutorial's way in Python 3.

Usage: exc_server.py [PORT [N]]   PORT defaults to 50000 (0: the kernel picks one); N = clients to serve
before exiting (default 0: forever, as the tutorial's loop).
Binds 127.0.0.1 (the tutorial: '' = every interface), listen(5), no SO_REUSEADDR. If socket/bind/listen fails:
print "Could not open socket: <strerror>" (e.g. "Address already in use") on STDOUT and exit 1.
Iterative, one client at a time. Per client: recv(1024); exactly b"q"/b"Q": close, print "Client quits:";
else print "Data received: <chunk>" (with a colon, unlike echo_server.py) and send b"You Send:" + chunk.
One deviation: recv returning b"" (the client closed without q) closes the client silently and goes back to
accept; the tutorial's code answers b"" with b"You Send:" and crashes.
stdout: exactly the tutorial's prints (banner verbatim, whatever PORT is).
stderr: one line "ready 127.0.0.1:PORT" once listening (not in the tutorial: tells a test the port).
"""
import socket
import sys
from tutorial_io import out, ready


port = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0

s = None
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    s.listen(5)
    out(b"The server is listening on port: 50000\n")
except OSError as e:  # Python 2: except socket.error, (value, message)
    if s:
        s.close()
    out(b"Could not open socket: " + e.strerror.encode() + b"\n")
    sys.exit(1)
ready(s)
served = 0
while True:
    client, address = s.accept()
    out(b"Received the connection from: " + str(address).encode() + b"\n")
    while True:
        data = client.recv(1024)
        if data == b"q" or data == b"Q":
            client.close()
            out(b"Client quits:\n")
            break
        if not data:  # deviation: end of stream, see the header
            client.close()
            break
        out(b"Data received: " + data + b"\n")
        client.send(b"You Send:" + data)
    served += 1
    if served == limit:
        break
s.close()
