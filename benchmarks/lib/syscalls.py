#!/usr/bin/env python3
"""System calls per request, by kind, from the kernel's syscall tracepoints (perf stat).

Every balancer pays the same kernel for the same work: receive the client's request, send it to a
backend, receive the answer, send it to the client, and learn in between which sockets are ready.
Counting the calls shows whether a balancer does more of them than that work needs, and which
kind: readiness polls (epoll_wait, or io_uring_enter, which also submits), receives, sends, and
the rest (futex wake-ups between threads, timers, connection set-up). perf counts only: no stacks,
no copies, so the process runs at its normal speed.

    benchmarks/lib/syscalls.py PID SECONDS     # counts one running process for SECONDS and prints them
"""
import os
import subprocess
import sys

import bench

KINDS = [
    ("poll", ("epoll_wait", "epoll_pwait", "epoll_pwait2", "io_uring_enter", "poll", "ppoll", "select", "pselect6")),
    ("receive", ("read", "readv", "recvfrom", "recvmsg", "recvmmsg")),
    ("send", ("write", "writev", "sendto", "sendmsg", "sendmmsg", "sendfile64", "splice")),
]
TOTAL = "raw_syscalls:sys_enter"
_TRACEFS = ("/sys/kernel/tracing/events/syscalls", "/sys/kernel/debug/tracing/events/syscalls")


def available():
    """(True, '') when perf can count syscall tracepoints here, else (False, why)."""
    if not bench.installed("perf"):
        return False, "perf is not installed (Debian: linux-perf)"
    if not any(os.path.isdir(d) for d in _TRACEFS):
        return False, "the kernel's syscall tracepoints are not visible (tracefs not mounted)"
    probe = subprocess.run(["perf", "stat", "-x", ",", "-e", TOTAL, "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return False, "perf may not count tracepoints here: " + (probe.stderr.strip().splitlines() or ["?"])[-1]
    return True, ""


def _events():
    names = [n for _, ns in KINDS for n in ns if any(os.path.isdir(os.path.join(d, "sys_enter_" + n)) for d in _TRACEFS)]
    return [TOTAL] + ["syscalls:sys_enter_" + n for n in names]


def start(pids, seconds):
    """Starts counting every thread of the given processes for seconds; returns a handle for collect()."""
    argv = ["perf", "stat", "-x", ",", "-e", ",".join(_events()), "-p", ",".join(str(p) for p in pids),
            "sleep", str(seconds)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def collect(handle, timeout):
    """{'poll': n, 'receive': n, 'send': n, 'other': n, 'total': n} from a start() handle."""
    _, err = handle.communicate(timeout=timeout)
    counts = {}
    for line in err.splitlines():
        parts = line.split(",")
        if len(parts) > 2 and parts[0].strip().isdigit():
            counts[parts[2].strip()] = int(parts[0])
    if TOTAL not in counts:
        raise RuntimeError("perf stat counted nothing: " + err.strip()[-300:])
    out = {kind: sum(counts.get("syscalls:sys_enter_" + n, 0) for n in names) for kind, names in KINDS}
    out["total"] = counts[TOTAL]
    out["other"] = max(0, out["total"] - sum(out[k] for k, _ in KINDS))
    return out


def per_request(counts, requests):
    return {k: v / requests for k, v in counts.items()} if requests else None


COLUMNS = ["poll", "receive", "send", "other", "total"]


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ok, why = available()
    if not ok:
        print(why, file=sys.stderr)
        return 1
    seconds = float(argv[2])
    counts = collect(start([int(argv[1])], seconds), seconds + 30)
    for k in COLUMNS:
        print(f"{k:8} {counts[k]:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
