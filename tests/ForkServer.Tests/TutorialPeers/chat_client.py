#!/usr/bin/env python3
"""The tutorial's peer-to-peer chat, TCP client side (port 5000), written the tutorial's way in Python 3.

Usage: chat_client.py [PORT] < lines   PORT defaults to 5000. Connects to 127.0.0.1; the server speaks first.
Each turn: recv(512); exactly b"q"/b"Q": print "I received <q>", close, exit 0; else print "RECIEVED: <data>",
prompt "SEND( TYPE q or Q to Quit):" (no newline), read a line from stdin (trailing "\n" dropped), send its
bytes (no line ending); q or Q: close, exit 0.
As in the tutorial, an empty line sends nothing and both sides then wait forever: do not pipe one.
End of input: "EOFError: EOF when reading a line" on stderr, status 1, socket closed without sending q.
Deviation: recv returning b"" (the server left without q) writes "server closed the connection" on stderr,
status 3 (the tutorial would print "RECIEVED: " and prompt again).
"""
import socket
import sys
from tutorial_io import out, raw_input


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client_socket.connect(("127.0.0.1", port))
while True:
    data = client_socket.recv(512)
    if data == b"q" or data == b"Q":
        out(b"I received " + data + b"\n")
        client_socket.close()
        break
    if not data:  # deviation: end of stream, see the header
        sys.stderr.write("server closed the connection\n")
        sys.exit(3)
    out(b"RECIEVED: " + data + b"\n")
    data = raw_input(b"SEND( TYPE q or Q to Quit):")
    client_socket.send(data)
    if data == b"Q" or data == b"q":
        client_socket.close()
        break
