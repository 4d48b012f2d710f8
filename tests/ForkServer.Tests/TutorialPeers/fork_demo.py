#!/usr/bin/env python3
"""The tutorial's "A basic fork in action", written the tutorial's way in Python 3.

Usage: fork_demo.py [SECONDS]   SECONDS both processes sleep before their last line (default 5, the tutorial's).
Prints "Before the fork my pid is: <pid>", forks, then the child prints "Hello from the child my pid is: <pid>"
and the parent "Hello from the parent my pid is: <pid>" (in either order), both sleep, both print
"Hello from both of us:" and exit 0. The parent does not wait for the child.
Output is flushed before the fork: Python's block-buffered stdout on a pipe would otherwise be copied into the
child and the first line written twice (the tutorial's Python 2 code does that when piped; at a terminal,
where its sample output was taken, it does not).
"""
import os
import sys
import time
from tutorial_io import out


seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5
out(b"Before the fork my pid is: %d\n" % os.getpid())
new_pid = os.fork()
if new_pid == 0:
    out(b"Hello from the child my pid is: %d\n" % os.getpid())
else:
    out(b"Hello from the parent my pid is: %d\n" % os.getpid())
time.sleep(seconds)
out(b"Hello from both of us:\n")
