#!/usr/bin/env python3
"""The tutorial's "Zombie problem Demonstration", written the tutorial's way in Python 3.

Usage: zombie_demo.py [SECONDS]   SECONDS the parent sleeps (default 50, the tutorial's; the line still says 50).
Prints "Before the fork my PID is: <pid>", forks; the child does nothing and exits at once (status 0) and stays a
zombie (ps: Z, <defunct>) while the parent prints "Hello from the parent: child pid will be <pid>" and
"sleeping 50 seconds..." and sleeps. The parent never waits: when it exits, the zombie is re-parented and reaped.
"""
import os
import sys
import time
from tutorial_io import out


seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 50
out(b"Before the fork my PID is: %d\n" % os.getpid())
new_pid = os.fork()
if new_pid:
    out(b"Hello from the parent: child pid will be %d\n" % new_pid)
    out(b"sleeping 50 seconds...\n")
    time.sleep(seconds)
