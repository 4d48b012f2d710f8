#!/usr/bin/env python3
"""The tutorial's "Echo server using Thread" (port 5300), written the tutorial's way in Python 3.

Usage: thread_server.py [PORT [N]]   PORT defaults to 5300 (0: the kernel picks one); N = clients to accept
before the main thread stops accepting (default 0: forever, as the tutorial's loop); the process then exits
once those clients' threads have ended (they are not daemon threads: the tutorial's `daemon=True` sets a local
variable, not the thread's flag).
bind 127.0.0.1 (the tutorial: 'localhost'), listen(5), print "Waiting for connection on port 5200:": the
tutorial's slip, kept verbatim (it binds 5300). If socket/bind/listen fails: "Couldn't open the socket
<strerror>" on stdout, status 1.
Each client gets a thread named Thread-1, Thread-2, ... in accept order (Python 2's default names; Python 3.10+
would say "Thread-1 (handlechild)", so the name is given explicitly). It prints "New child Thread-K" and
"Got the connection from <peer tuple>", then per recv(2096): exactly b"q"/b"Q": print "The client <peer>  quits"
(two spaces), close; else print "<peer> send:  <data>" (two spaces) and send the data back unchanged.
Deviation: recv returning b"" (client closed without q) closes silently and ends the thread (the tutorial's
loop sends b"" back, i.e. nothing, and spins forever printing "<peer> send:  ").
stdout: exactly the tutorial's prints, one whole line per write so threads never interleave inside a line.
stderr: one line "ready 127.0.0.1:PORT" once listening (not in the tutorial: tells a test the port).
"""
import socket
import sys
import threading
from tutorial_io import out, ready


def handlechild(clientsock):
    out(b"New child " + threading.current_thread().name.encode() + b"\n")
    peer = str(clientsock.getpeername()).encode()
    out(b"Got the connection from " + peer + b"\n")
    while True:
        data = clientsock.recv(2096)
        if data == b"q" or data == b"Q":
            out(b"The client " + peer + b"  quits\n")
            clientsock.close()
            break
        if not data:  # deviation: end of stream, see the header
            clientsock.close()
            break
        out(peer + b" send:  " + data + b"\n")
        clientsock.send(data)


port = int(sys.argv[1]) if len(sys.argv) > 1 else 5300
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0

s = None
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    s.listen(5)
    out(b"Waiting for connection on port 5200:\n")
except OSError as e:  # Python 2: except socket.error, (value, message)
    if s:
        s.close()
    out(b"Couldn't open the socket " + e.strerror.encode() + b"\n")
    sys.exit(1)
ready(s)
accepted = 0
while True:
    clientsocket, clientaddress = s.accept()
    accepted += 1
    t = threading.Thread(target=handlechild, args=[clientsocket], name="Thread-%d" % accepted)
    t.start()
    if accepted == limit:
        break
s.close()
