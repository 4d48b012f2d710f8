#!/usr/bin/env python3
"""The tutorial's udp-echoserver.py (port 5000), written the tutorial's way in Python 3.

Usage: udp_server.py [PORT [N]]   PORT defaults to 5000 (0: the kernel picks one); N = datagrams to echo
before exiting (default 0: forever, as the tutorial's loop). UDP has no clients to count, so N counts datagrams.
Binds 127.0.0.1 (the tutorial: 'localhost'). Per datagram: recvfrom(512) (a longer datagram is cut to its
first 512 bytes and the rest is lost, as in the tutorial), print "<address tuple> :said <data>", send the
(possibly cut) data back to the sender unchanged. An empty datagram is echoed as an empty datagram.
stdout: exactly the tutorial's prints (banner verbatim, whatever PORT is).
stderr: one line "ready 127.0.0.1:PORT" once bound (not in the tutorial: tells a test the port).
"""
import socket
import sys
from tutorial_io import out, ready


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0

server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_socket.bind(("127.0.0.1", port))
out(b"UDP -Echo Server listening on port 5000:\n")
ready(server_socket)
echoed = 0
while True:
    data, address = server_socket.recvfrom(512)
    out(str(address).encode() + b" :said " + data + b"\n")
    server_socket.sendto(data, address)
    echoed += 1
    if echoed == limit:
        break
server_socket.close()
