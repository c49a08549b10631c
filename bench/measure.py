#!/usr/bin/env python3
"""Runs a command that prints one JSON object and prints that object with a "process" entry
added: the command's wall seconds from its start to its exit (interpreter start-up, imports
and teardown included: what a user waits for) and its peak resident memory as the kernel
accounts it for a finished child (getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest process
the command ran, teardown included, which a process reading its own figure misses).

Usage: python3 bench/measure.py COMMAND [ARG ...]
e.g.   python3 bench/measure.py python3 bench/protocol.py --data ../shared/data
Standard library only. The command's standard error passes through; a failing command or an
output that is not one JSON object ends this script with the command's message and status.
"""

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("bench/measure.py: usage: measure.py COMMAND [ARG ...]")
    start = time.perf_counter()
    try:
        done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=False)
    except OSError as e:
        sys.exit(f"bench/measure.py: {sys.argv[1]}: {e}")
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.returncode)
    try:
        out = json.loads(done.stdout)
    except ValueError as e:
        sys.exit(f"bench/measure.py: {sys.argv[1]} did not print one JSON object: {e}")
    if not isinstance(out, dict):
        sys.exit(f"bench/measure.py: {sys.argv[1]} printed JSON that is not an object")
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out["process"] = {"wall_s": wall, "max_rss_mib": peak}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
