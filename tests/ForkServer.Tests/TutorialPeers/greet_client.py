#!/usr/bin/env python3
"""The tutorial's client for the "Simple TCP Server" (port 8090), written the tutorial's way in Python 3.

Usage: greet_client.py [PORT]   PORT defaults to 8090. Connects to 127.0.0.1, sends nothing, calls recv(512)
ONCE and prints b"Received data: " + the bytes + b"\n" (Python 2's `print "Received data:", data`), so the
tutorial's greeting gives "Received data: Thank you for Connecting  \n\n". Exits 0. A refused connection is
a traceback and status 1, as in the tutorial (it catches nothing).
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8090
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("127.0.0.1", port))
data = c.recv(512)
sys.stdout.buffer.write(b"Received data: " + data + b"\n")
sys.stdout.buffer.flush()
