#!/usr/bin/env python3
"""Where a request's time goes at 1 connection, hop by hop, from packet timestamps on loopback.

At 1 connection one request is in flight at a time, and every hop is a packet on lo:

    client --in--> balancer --call--> policy server --answer--> balancer --breq--> backend
    backend --bresp--> balancer --out--> client --in (the next request)--> ...

tcpdump stamps a packet when its sender's kernel hands it to the loopback device. So the time from
one packet of an exchange to the next is how long the process that received the first took to wake
up (or notice it while polling), read it, do its work and send the next: "in -> call" is the
balancer's, "call -> answer" the policy server's, and so on. A balancer without a policy goes
straight from "in" to "breq". Targets are measured one at a time; the others stay idle.

The first data packet of each kind counts (a response in two segments is timed by its first). An
exchange counts only when its packets came in the expected order; a health check that happens to
fall inside one can still take a hop's place, which at one check per second against thousands of
exchanges moves no median. tcpdump's own cost (a copy of each packet's first bytes) is on every
target alike; the wrk p50 reported beside the hops is the one measured under capture.

    benchmarks/lib/hops.py CAPTURE.txt TARGET_PORT POLICY_PORT BACKEND_PORT[,PORT...] [policy|plain]

reads `tcpdump -r FILE -tt -n` output (a capture taken by hand) and prints each hop's median and
p90 in µs.
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import time

import bench

POLICY_HOPS = [("in", "call", "request in → policy call (balancer)"),
               ("call", "answer", "policy server"),
               ("answer", "breq", "decision → backend request (balancer)"),
               ("breq", "bresp", "backend"),
               ("bresp", "out", "response → client (balancer)"),
               ("out", "next", "client's next request (wrk)")]
PLAIN_HOPS = [("in", "breq", "request in → backend request (balancer)"),
              ("breq", "bresp", "backend"),
              ("bresp", "out", "response → client (balancer)"),
              ("out", "next", "client's next request (wrk)")]
# The balancer's own hops, summed per exchange.
_OWN = {"policy": [("in", "call"), ("answer", "breq"), ("bresp", "out")], "plain": [("in", "breq"), ("bresp", "out")]}
# The packet-timed tail of request in -> response out. wrk's own percentiles are not comparable with it:
# wrk 4 adds, after the run, synthetic samples for every response slower than twice the mean interval
# between requests (stats_correct), so at 1 connection a few stalls of milliseconds lift its p99.
TAIL = "request in → response out: p99 (p99.9)"
_LINE = re.compile(r"(\d+)\.(\d+) IP6? (\S+)\.(\d+) > (\S+)\.(\d+): .* length (\d+)")


def available():
    """Whether tcpdump is installed and this process may capture (root, or CAP_NET_RAW on tcpdump)."""
    return bench.installed("tcpdump") and (os.geteuid() == 0 or _has_capability())


def _has_capability():
    try:
        r = subprocess.run(["getcap", bench.which("tcpdump")], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "cap_net_raw" in r.stdout


def capture(pcap, ports, drive, timeout_s=10):
    """Runs drive() while tcpdump records TCP packets to or from any of ports on lo into pcap;
    returns drive()'s result. tcpdump is stopped by its PID, whatever drive() does."""
    expr = " or ".join(f"port {p}" for p in sorted(set(ports)))
    err = pcap + ".stderr"
    with open(err, "wb") as e:
        td = subprocess.Popen([bench.which("tcpdump"), "-i", "lo", "-n", "-s", "96", "-w", pcap, f"tcp and ({expr})"],
                              stdout=subprocess.DEVNULL, stderr=e)
    try:
        deadline = time.time() + timeout_s
        while "listening on" not in _read(err):
            if td.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"tcpdump did not start: {_read(err).strip()[-300:]}")
            time.sleep(0.05)
        return drive()
    finally:
        bench.stop_process(td, signal.SIGINT, timeout_s)  # SIGINT: tcpdump writes out what it buffered


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def read_pcap(pcap):
    """tcpdump's text form of a capture: one line per packet, absolute timestamps."""
    r = subprocess.run([bench.which("tcpdump"), "-r", pcap, "-tt", "-n"], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"tcpdump -r {pcap}: {r.stderr.strip()[-300:]}")
    return r.stdout


def events(text, target_port, policy_port, backend_ports):
    """(time in µs, kind) of each data-carrying packet, in capture order; kinds as in the module doc."""
    backend_ports = set(backend_ports)
    out = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m or int(m.group(7)) == 0:
            continue
        t = int(m.group(1)) * 1_000_000 + int(m.group(2).ljust(6, "0")[:6])
        src, dst = int(m.group(4)), int(m.group(6))
        if dst == target_port:
            kind = "in"
        elif src == target_port:
            kind = "out"
        elif policy_port and dst == policy_port:
            kind = "call"
        elif policy_port and src == policy_port:
            kind = "answer"
        elif dst in backend_ports:
            kind = "breq"
        elif src in backend_ports:
            kind = "bresp"
        else:
            continue
        out.append((t, kind))
    return out


def exchanges(evs, mode):
    """One dict kind -> time per complete exchange ("next": the following request's "in")."""
    order = [a for a, _, _ in (POLICY_HOPS if mode == "policy" else PLAIN_HOPS)]
    done, cur, pos = [], None, 0
    for t, kind in evs:
        if kind == "in":
            if cur is not None and pos == len(order):
                cur["next"] = t
                done.append(cur)
            cur, pos = {"in": t}, 1
        elif cur is not None and pos < len(order) and kind == order[pos]:
            cur[kind] = t
            pos += 1
    return done


def summarise(exs, mode):
    """{hop label: (median µs, p90 µs)} plus the balancer's own time and request in -> response out."""
    hops = POLICY_HOPS if mode == "policy" else PLAIN_HOPS
    res = {"exchanges": len(exs)}
    if not exs:
        return res
    for a, b, label in hops:
        res[label] = _stats([x[b] - x[a] for x in exs])
    res["balancer's own time (its hops summed)"] = _stats([sum(x[b] - x[a] for a, b in _OWN[mode]) for x in exs])
    totals = sorted(x["out"] - x["in"] for x in exs)
    res["request in → response out"] = _stats(totals)
    res[TAIL] = (totals[min(len(totals) - 1, int(0.99 * len(totals)))],
                 totals[min(len(totals) - 1, int(0.999 * len(totals)))])
    return res


def _stats(values):
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(0.9 * len(values)))]


def markdown(rows):
    """rows: [(label, mode, summary, wrk p50 µs)] -> a table, one column per target."""
    labels = (["exchanges", "wrk p50 under capture", PLAIN_HOPS[0][2]] + [label for _, _, label in POLICY_HOPS]
              + ["balancer's own time (its hops summed)", "request in → response out", TAIL])
    used = [lab for lab in labels if lab in ("exchanges", "wrk p50 under capture")
            or any(lab in s for _, _, s, _ in rows)]
    out = ["| hop: median (p90), µs | " + " | ".join(name for name, _, _, _ in rows) + " |",
           "|---|" + "---:|" * len(rows)]
    for lab in used:
        cells = []
        for _, _, s, p50 in rows:
            if lab == "exchanges":
                cells.append(f"{s.get('exchanges', 0):,}")
            elif lab == "wrk p50 under capture":
                cells.append(f"{p50} µs" if p50 is not None else "")
            elif lab in s:
                med, p90 = s[lab]
                bold = lab.startswith("balancer's own")
                cell = f"{med:.0f} ({p90:.0f})"
                cells.append(f"**{cell}**" if bold else cell)
            else:
                cells.append("")
        out.append(f"| {lab} | " + " | ".join(cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    mode = sys.argv[5] if len(sys.argv) > 5 else "policy"
    with open(sys.argv[1]) as f:
        evs = events(f.read(), int(sys.argv[2]), int(sys.argv[3]), [int(p) for p in sys.argv[4].split(",")])
    for k, v in summarise(exchanges(evs, mode), mode).items():
        print(f"{k}: {v}" if k == "exchanges" else f"{k}: {v[0]:.0f} {v[1]:.0f}")
