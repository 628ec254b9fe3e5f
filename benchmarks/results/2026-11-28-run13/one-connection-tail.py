"""The 1-connection tail, from packets and from wrk, side by side. Starts compare-peers' targets
(nginx, the appliance, nginx + auth_request, the appliance with the policy and the cache off),
warms each, then gives each 8 s at 1 connection under tcpdump on lo, twice, and prints per run:
wrk's p50 / p99 / max (wrk 4 adds synthetic samples for slow responses before it reports), the
packet-timed percentiles of the time from one request to the next on the wire (which contains
each request's whole latency and wrk's turnaround), and for the slowest 1% of those cycles which
hop was the longest. After mvn -B -q -DskipTests package, as root (tcpdump):

    python3 benchmarks/results/2026-11-28-run13/one-connection-tail.py [OUT]
"""
import collections, importlib.util, importlib.machinery, os, sys, types
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "/tmp/one-connection-tail")
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")); sys.path.insert(0, "lib")
loader = importlib.machinery.SourceFileLoader("cp", "compare-peers")
spec = importlib.util.spec_from_loader("cp", loader); cp = importlib.util.module_from_spec(spec); loader.exec_module(cp)
import bench, hops  # noqa: E402
os.makedirs(OUT, exist_ok=True)
procs = bench.Processes(OUT)
a = types.SimpleNamespace(pin=False, backends="nginx", transport="io-uring", java_opts="",
                          only="nginx,appliance,nginx-auth,appliance-policy-nocache")
targets, backends, policy, pport = cp.start_all(a, procs, OUT, {})
for t in targets:
    bench.run_wrk(t.url, 32, 15)
    bench.run_wrk(t.url, 1, 10)
q = lambda xs, p: xs[min(len(xs) - 1, int(p * len(xs)))]  # noqa: E731
for rnd in range(2):
    for t in targets:
        mode = "policy" if t.name in ("nginx-auth", "appliance-policy-nocache") else "plain"
        order = [x for x, _, _ in (hops.POLICY_HOPS if mode == "policy" else hops.PLAIN_HOPS)] + ["next"]
        pcap = os.path.join(OUT, "capture.pcap")
        rep = hops.capture(pcap, [t.port, pport, *backends.bench_ports], lambda: bench.run_wrk(t.url, 1, 8))
        evs = hops.events(hops.read_pcap(pcap), t.port, pport if mode == "policy" else None, backends.bench_ports)
        os.remove(pcap)
        ex = hops.exchanges(evs, mode)
        cycles = sorted(x["next"] - x["in"] for x in ex)
        p99 = q(cycles, .99)
        blame, blame_us = collections.Counter(), collections.Counter()
        for x in ex:
            if x["next"] - x["in"] >= p99:
                segs = {f"{u} -> {v}": x[v] - x[u] for u, v in zip(order, order[1:])}
                k = max(segs, key=segs.get)
                blame[k] += 1
                blame_us[k] += segs[k]
        print(f"round {rnd + 1}, {t.name}: wrk p50 {rep['p50']} p99 {rep['p99']} max {rep['max_us']} µs | on the wire, "
              f"request to next request: p50 {q(cycles, .5)} p99 {p99} p99.9 {q(cycles, .999)} max {cycles[-1]} µs "
              f"({len(ex):,} exchanges) | longest hop of the slowest 1%: "
              + ", ".join(f"{k} {n}x (mean {blame_us[k] / n:.0f} µs)" for k, n in blame.most_common()), flush=True)
procs.stop_all()
