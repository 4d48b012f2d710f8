#!/usr/bin/env python3
"""The tutorial's thread example (thread.py), written the tutorial's way in Python 3.

Usage: thread_demo.py [SECONDS]   SECONDS each thread sleeps before "Hello from both of us:" (default 1).
Prints, one whole line per write (Python 2's print could put a stray space at the start of a line when two
threads printed at once: the leading spaces in the tutorial's sample output):
  Before starting a new thread My name is: MainThread
  Hello from new thread: My name is Childthread:      } these two in either order
  Hello from main thread: My name is MainThread:      }
  Hello from both of us:
  Hello from both of us:
The main thread joins the child, then exits 0. (`daemon=True` in the tutorial sets a local variable: no effect.)
"""
import sys
import threading
import time
from tutorial_io import out


seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1


def name():
    return threading.current_thread().name.encode()


def sleepandprint():
    time.sleep(seconds)
    out(b"Hello from both of us:\n")


def threadcode():
    out(b"Hello from new thread: My name is " + name() + b":\n")
    sleepandprint()


def main():
    out(b"Before starting a new thread My name is: " + name() + b"\n")
    t = threading.Thread(target=threadcode, name="Childthread")
    t.start()
    out(b"Hello from main thread: My name is " + name() + b":\n")
    sleepandprint()
    t.join()


if __name__ == "__main__":
    main()
