#!/usr/bin/env python3
"""The tutorial's peer-to-peer chat, TCP server side (port 5000), written the tutorial's way in Python 3.

Usage: chat_server.py [PORT [N]] < lines   PORT defaults to 5000 (0: the kernel picks one); N = chats to hold
before exiting (default 0: forever: after each chat it goes back to accept the next peer, as the tutorial's).
Binds 127.0.0.1 (the tutorial: "" = every interface), listen(5). The server speaks first. Each turn:
prompt "SEND( TYPE q or Q to Quit):" (no newline), read a line from stdin (trailing "\n" dropped), send its
bytes (no line ending); if it was q or Q: close, next peer. Then recv(512): exactly b"q"/b"Q": close (nothing
printed), next peer; else print "RECIEVED: <data>" (the tutorial's spelling).
As in the tutorial, an empty line sends nothing and both sides then wait forever: do not pipe one.
End of stdin: "EOFError: EOF when reading a line" on stderr, status 1: the whole server ends, as the
tutorial's raw_input would make it.
Deviation: recv returning b"" (the peer left without q) closes it silently and goes back to accept.
stdout: exactly the tutorial's prints (banner verbatim, whatever PORT is; "from " then a second space).
stderr: one line "ready 127.0.0.1:PORT" once listening (not in the tutorial: tells a test the port).
"""
import socket
import sys
from tutorial_io import out, raw_input, ready


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0

server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server_socket.bind(("127.0.0.1", port))
server_socket.listen(5)
out(b"TCPServer Waiting for client on port 5000\n")
ready(server_socket)
chats = 0
while True:
    client_socket, address = server_socket.accept()
    # Python 2's `print "I got a connection from ", address`: the item ends in " ", print adds another.
    out(b"I got a connection from  " + str(address).encode() + b"\n")
    while True:
        data = raw_input(b"SEND( TYPE q or Q to Quit):")
        client_socket.send(data)
        if data == b"Q" or data == b"q":
            client_socket.close()
            break
        data = client_socket.recv(512)
        if data == b"q" or data == b"Q":
            client_socket.close()
            break
        if not data:  # deviation: end of stream, see the header
            client_socket.close()
            break
        out(b"RECIEVED: " + data + b"\n")
    chats += 1
    if chats == limit:
        break
server_socket.close()
