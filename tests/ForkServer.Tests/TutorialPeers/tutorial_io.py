"""What every tutorial peer does the same way, written once: print as Python 2 printed (the bytes as they are,
flushed at once, so that a forked child never writes buffered output twice), read a line as raw_input does, and
tell a test which port the kernel picked (not in the tutorial)."""
import sys


def out(data):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def raw_input(prompt):
    """The prompt first, the trailing "\\n" dropped; at the end of input, EOFError's line and status 1."""
    out(prompt)
    line = sys.stdin.buffer.readline()
    if not line:
        sys.stderr.write("EOFError: EOF when reading a line\n")
        sys.exit(1)
    return line[:-1] if line.endswith(b"\n") else line


def ready(sock):
    sys.stderr.write("ready 127.0.0.1:%d\n" % sock.getsockname()[1])
    sys.stderr.flush()
