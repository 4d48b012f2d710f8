#!/usr/bin/env python3
"""The tutorial's tcp-echoserver.py (port 5090), written the tutorial's way in Python 3.

Usage: echo_server.py [PORT [N]]   PORT defaults to 5090 (0: the kernel picks one); N = clients to serve
before exiting (default 0: forever, as the tutorial's loop).
Iterative: one client at a time, the next waits in the backlog (listen(5)). Per client: recv(512); a chunk
that is exactly b"q" or b"Q" closes the client and prints "Client quits:"; any other chunk is printed as
"Data received <chunk>" and answered with b"You Send:" + chunk.
One deviation: recv returning b"" (the client closed without sending q) closes the client silently and
goes back to accept. The tutorial's Python 2 code answers b"" with b"You Send:" and crashes (EPIPE/ECONNRESET).
stdout: exactly the tutorial's prints (banner verbatim, whatever PORT is).
stderr: one line "ready 127.0.0.1:PORT" once listening (not in the tutorial: tells a test the port).
"""
import socket
import sys
from tutorial_io import out, ready


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5090
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", port))
s.listen(5)
out(b"Server is running on port 5090:\n")
ready(s)
served = 0
while True:
    clientsocket, clientaddress = s.accept()
    out(b"Received the connection from: " + str(clientaddress).encode() + b"\n")
    while True:
        data = clientsocket.recv(512)
        if data == b"q" or data == b"Q":
            clientsocket.close()
            out(b"Client quits:\n")
            break
        if not data:  # deviation: end of stream, see the header
            clientsocket.close()
            break
        out(b"Data received " + data + b"\n")
        clientsocket.send(b"You Send:" + data)
    served += 1
    if served == limit:
        break
s.close()
