#!/usr/bin/env python3
"""The tutorial's "Echo server using select" (port 50000), written the tutorial's way in Python 3.

Usage: select_server.py [PORT [N]] < stdin   PORT defaults to 50000 (0: the kernel picks one); N = clients to
serve (accepted and then closed) before exiting (default 0: until stdin says stop, as the tutorial's).
bind 127.0.0.1 (the tutorial: '' = every interface), listen(5). No banner: the tutorial prints none.
One select() over [listener, stdin, clients...]; per ready descriptor, in that order:
  listener: accept, print "Got the connection from: <address tuple>", watch the client;
  stdin:    readline() and stop (after the rest of this round). ANY line stops it, and so does end of input
            (select reports EOF as readable): with stdin at /dev/null the server stops at once, so give it a
            pipe that stays open;
  client:   recv(1024), print the data (an empty line for b""), send it back unchanged if non-empty, else
            close the client and forget it. There is no quit word: b"q" is echoed like anything else.
stdout: exactly the tutorial's prints.
stderr: one line "ready 127.0.0.1:PORT" once listening (not in the tutorial: tells a test the port).
"""
import select
import socket
import sys
from tutorial_io import out, ready


port = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0
size = 1024

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", port))
server.listen(5)
ready(server)
inputs = [server, sys.stdin]
running = 1
served = 0
while running:
    inputready, outputready, exceptready = select.select(inputs, [], [])
    for s in inputready:
        if s is server:
            client, address = server.accept()
            out(b"Got the connection from: " + str(address).encode() + b"\n")
            inputs.append(client)
        elif s is sys.stdin:
            junk = sys.stdin.buffer.readline()
            running = 0
        else:
            data = s.recv(size)
            out(data + b"\n")
            if data:
                s.send(data)
            else:
                s.close()
                inputs.remove(s)
                served += 1
                if served == limit:
                    running = 0
server.close()
