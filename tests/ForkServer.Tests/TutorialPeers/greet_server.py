#!/usr/bin/env python3
"""The tutorial's "Simple TCP Server" (port 8090), written the tutorial's way in Python 3.

Usage: greet_server.py [PORT [N]]   PORT defaults to 8090 (0: the kernel picks one); N = clients to serve
before exiting (default 0: forever, as the tutorial's loop).
Binds 127.0.0.1 (the tutorial: 'localhost'), listen(59). Each client gets the 27 bytes
b"Thank you for Connecting  \n" and is closed at once; nothing is read from it.
stdout: exactly the tutorial's prints (the banner is its text verbatim, whatever PORT is, typo included).
stderr: one line "ready 127.0.0.1:PORT" once listening (not in the tutorial: tells a test the port).
"""
import socket
import sys
from tutorial_io import out, ready


port = int(sys.argv[1]) if len(sys.argv) > 1 else 8090
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", port))
s.listen(59)
out(b"The server is waiting for conneciton on port 8090\n")
ready(s)
served = 0
while True:
    clientsocket, clientaddress = s.accept()
    out(b"Got the connection from " + str(clientaddress).encode() + b"\n")
    clientsocket.send(b"Thank you for Connecting  \n")
    clientsocket.close()
    served += 1
    if served == limit:
        break
s.close()
