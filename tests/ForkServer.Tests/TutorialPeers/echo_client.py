#!/usr/bin/env python3
"""The tutorial's tcp-echoclient.py (port 5090), written the tutorial's way in Python 3.

Usage: echo_client.py [PORT] < lines   PORT defaults to 5090. Connects to 127.0.0.1.
Per line of stdin (read as raw_input does: the prompt is written first, the trailing "\n" is dropped):
prompt "Enter data to send to server: press q or Q to quit:\n", send the line's bytes (no line ending);
q or Q: close and exit 0; else recv(512) and print it followed by "\n".
As in the tutorial, an empty line sends nothing and then waits for a reply forever: do not pipe one.
End of input: the prompt is already out; "EOFError: EOF when reading a line" on stderr and status 1, the socket
closed without sending q (the tutorial's raw_input raises EOFError the same way, with a traceback).
Deviation: a reply of b"" (the server closed) writes "server closed the connection" on stderr, status 3
(the tutorial would print an empty line and go on to a send that fails).
"""
import socket
import sys
from tutorial_io import out, raw_input


def closed():
    sys.stderr.write("server closed the connection\n")
    sys.exit(3)


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5090
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("127.0.0.1", port))
while True:
    data = raw_input(b"Enter data to send to server: press q or Q to quit:\n")
    c.send(data)
    if data == b"q" or data == b"Q":
        c.close()
        break
    reply = c.recv(512)
    if not reply:
        closed()
    out(reply + b"\n")
