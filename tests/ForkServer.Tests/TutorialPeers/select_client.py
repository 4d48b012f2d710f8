#!/usr/bin/env python3
"""The tutorial's "Echo client using select" (port 50000), written the tutorial's way in Python 3.

Usage: select_client.py [PORT] < lines   PORT defaults to 50000. Connects to 127.0.0.1 (a refused connection is
a traceback and status 1), writes the prompt "%" (no newline).
Per line of stdin, read with readline() so the line KEEPS its "\n": a blank line ("\n") or end of input ends
the client (close, exit 0); otherwise send the whole line, "\n" included, recv(1024) and write the reply as
it is, then "%".
The tutorial compares the line with ' ' (one space), which readline() can only return for a last line " "
without newline; taken literally, a blank line would be sent and echoed, and end of input would send nothing
and wait forever. Its docstring says "Entering a blank line will exit the client": that reading is what this
does (a last line of exactly " " ends it too, as the literal test would).
Deviation: a reply of b"" (server closed) writes "server closed the connection" on stderr, status 3.
"""
import socket
import sys
from tutorial_io import out


port = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
size = 1024
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", port))
out(b"%")
while True:
    line = sys.stdin.buffer.readline()
    if line == b" " or line == b"\n" or line == b"":
        break
    s.send(line)
    data = s.recv(size)
    if not data:
        sys.stderr.write("server closed the connection\n")
        sys.exit(3)
    out(data + b"%")
s.close()
