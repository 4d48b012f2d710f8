#!/usr/bin/env python3
"""The tutorial's udp-echoclient.py (port 5000), written the tutorial's way in Python 3.

Usage: udp_client.py [PORT] < lines   PORT defaults to 5000. An unconnected UDP socket; every datagram goes
to 127.0.0.1:PORT with sendto.
Per line of stdin (raw_input: prompt first, trailing "\n" dropped): prompt "Type Something(q or Q to exit:)"
(no newline); q or Q: close and exit 0, NOTHING is sent; else sendto the line's bytes (an empty line is an
empty datagram, which UDP allows), recvfrom(512), print "Received: " + reply + "\n".
End of input: "EOFError: EOF when reading a line" on stderr, status 1 (the tutorial's traceback).
As in the tutorial there is no timeout: a lost datagram or a missing server leaves recvfrom waiting forever
(an unconnected socket gets no ICMP error), so a test must bound it.
"""
import socket
import sys
from tutorial_io import out, raw_input


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    data = raw_input(b"Type Something(q or Q to exit:)")
    if data == b"q" or data == b"Q":
        client_socket.close()
        break
    client_socket.sendto(data, ("127.0.0.1", port))
    newdata = client_socket.recvfrom(512)
    out(b"Received: " + newdata[0] + b"\n")
