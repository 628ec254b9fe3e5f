"""Summarises a JFR recording's CPU samples: the hottest frames (self and inclusive) and threads.

    python3 benchmarks/lib/jfr_top.py FILE.jfr [N]
"""
import collections
import json
import subprocess
import sys


def _frames(ev):
    st = (ev.get("values") or {}).get("stackTrace") or {}
    out = []
    for fr in st.get("frames") or []:
        m = fr.get("method") or {}
        t = (m.get("type") or {}).get("name", "?")
        out.append(f"{t.replace('/', '.')}.{m.get('name', '?')}")
    return out


def _thread(ev):
    th = (ev.get("values") or {}).get("sampledThread") or {}
    return th.get("javaName") or th.get("osName") or "?"


def load(path, event):
    r = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", event, path],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return json.loads(r.stdout)["recording"]["events"]


def summary(path, n=25):
    java = load(path, "jdk.ExecutionSample")
    native = load(path, "jdk.NativeMethodSample")
    self_c = collections.Counter()
    incl = collections.Counter()
    threads = collections.Counter()
    for ev in java:
        fs = _frames(ev)
        threads[_thread(ev)] += 1
        if fs:
            self_c[fs[0]] += 1
            for f in set(fs):
                incl[f] += 1
    nat = collections.Counter()
    for ev in native:
        fs = _frames(ev)
        if fs and "loop" in _thread(ev):
            nat[fs[0]] += 1
    total = max(len(java), 1)
    lines = [f"{len(java)} Java execution samples (`jdk.ExecutionSample`), {len(native)} native-method samples "
             "(`jdk.NativeMethodSample`). JFR samples a thread in Java code every 10 ms and one in native code "
             "(here: syscalls) every 20 ms, so many native samples mean the event loop spends its time in the "
             "kernel (epoll_wait when idle, send/writev/recv when busy).\n",
             "Samples per thread: " + ", ".join(f"{t} {c}" for t, c in threads.most_common(8)) + "\n",
             f"Top {n} frames by self samples (top of stack):\n", "| self % | samples | frame |", "|---:|---:|---|"]
    for f, c in self_c.most_common(n):
        lines.append(f"| {100 * c / total:.1f} | {c} | `{f}` |")
    lines += ["", "Top inclusive frames in the product and Netty (on the stack), excluding the loop's run():\n",
              "| incl % | samples | frame |", "|---:|---:|---|"]
    k = 0
    for f, c in incl.most_common():
        if (f.startswith("dev.arbiter.") or f.startswith("io.netty.handler") or "Http" in f) and k < n:
            lines.append(f"| {100 * c / total:.1f} | {c} | `{f}` |")
            k += 1
    if nat:
        lines += ["", "Event-loop threads in native code (top frames of `jdk.NativeMethodSample`):\n",
                  "| samples | frame |", "|---:|---|"]
        for f, c in nat.most_common(8):
            lines.append(f"| {c} | `{f}` |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25))
