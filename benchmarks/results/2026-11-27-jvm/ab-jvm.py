"""Fresh appliances at 2 and 1,000 static nginx backends on loopback (round-robin) under three JVM
settings: the benchmarks' default (G1, 4 KiB pages), the Java heap on transparent huge pages
(-XX:+UseTransparentHugePages), and the parallel collector (-XX:+UseParallelGC: no remembered-set
refinement behind reference stores into old objects), interleaved round by round (the order of the
settings rotates). Each appliance is warmed for 20 s, then wrk drives it for
10 s with 32 connections; prints one line per run and the medians. After mvn -B -q -DskipTests package:

    python3 benchmarks/results/2026-11-27-jvm/ab-jvm.py [ROUNDS [OUT [SETTINGS]]]

SETTINGS: a comma-separated subset of the names below (by default all of SETTINGS; EXTRA only when named). g1-deferred keeps G1
but defers remembered-set refinement to the collections (zones far above what the run dirties), so a
card dirtied by a reference store stays dirty and later stores into it take the barrier's fast path.
"""
import importlib.util, importlib.machinery, json, statistics, sys, os, types
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
OUT = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else '/tmp/ab-jvm')
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')); sys.path.insert(0, 'lib')
loader = importlib.machinery.SourceFileLoader('scaling', 'scaling')
spec = importlib.util.spec_from_loader('scaling', loader)
m = importlib.util.module_from_spec(spec); loader.exec_module(m)
import bench
# Each setting below is the whole JVM option set under test, not added to config/jvm.args (which
# after this run holds the g1-deferred options).
bench.APPLIANCE_JVM = []


def gc_ticks(pid):
    """CPU ticks of the JVM's collector threads (G1's workers, refinement and marking threads, the
    parallel collector's workers), read from each thread's name."""
    total = 0
    for (p, t), ticks in bench.thread_ticks(pid).items():
        try:
            with open(f"/proc/{p}/task/{t}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if name.startswith(("G1 ", "GC Thread", "VM Thread")):
            total += ticks
    return total

BASE = "-Xms512m -Xmx512m -XX:+AlwaysPreTouch"
DEFERRED = (" -XX:-G1UseAdaptiveConcRefinement -XX:G1ConcRefinementGreenZone=2048"
            " -XX:G1ConcRefinementYellowZone=4096 -XX:G1ConcRefinementRedZone=8192")
SETTINGS = {"g1": BASE, "g1-thp": BASE + " -XX:+UseTransparentHugePages",
            "parallel": BASE + " -XX:+UseParallelGC", "g1-deferred": BASE + DEFERRED}
# The allocator A/B of ../2026-11-28-backends-profile: the shipped options with Netty's per-thread cache
# of small buffers as shipped (256 per size class) or cut to 16. Run only when named.
EXTRA = {"sc16": BASE + DEFERRED + " -Dio.netty.allocator.smallCacheSize=16", "sc256": BASE + DEFERRED}
if len(sys.argv) > 3:
    SETTINGS = {k: {**SETTINGS, **EXTRA}[k] for k in sys.argv[3].split(",")}
run_dir = OUT + '/run'; os.makedirs(run_dir, exist_ok=True); bench.stage_jars(run_dir)
procs = bench.Processes(run_dir)
rows = []
try:
    a0 = types.SimpleNamespace(rounds=1, initial_warmup=20, warmup=3, duration=10, java_opts=BASE, backends="nginx")
    bproc, base = m.start_multi_backend(procs, a0, run_dir, 1000)
    for rnd in range(ROUNDS):
        names = list(SETTINGS)
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for name in order:
            for n in (2, 1000):
                a = types.SimpleNamespace(**{**vars(a0), "java_opts": SETTINGS[name]})
                text = m.config_text("round-robin", 1, "PATH_PREFIX", base, n)
                r0 = m.Reloading(procs, a, run_dir, f"app-{name}-{n}-{rnd}", text, "http://127.0.0.1:PORT/svc-0/catalog")
                r0.apply(text)
                c0, g0 = bench.cpu_split(r0.proc.pid), gc_ticks(r0.proc.pid)
                rep = bench.run_wrk(r0.url, m.LOAD_CONNECTIONS, a.duration)
                c1, g1 = bench.cpu_split(r0.proc.pid), gc_ticks(r0.proc.pid)
                cpu, kern = bench.cpu_per_request(c0, c1, rep["requests"])
                with open(f"/proc/{r0.proc.pid}/smaps_rollup") as f:
                    huge_kib = int(next(l.split()[1] for l in f if l.startswith("AnonHugePages:")))
                row = {"round": rnd, "anon_huge_kib": huge_kib, "jvm": name, "backends": n, "rps": rep["rps"], "p99_us": rep["p99"],
                       "cpu_us": cpu, "user_us": cpu - kern, "kernel_us": kern,
                       "gc_us": (g1 - g0) / bench.CLK_TCK * 1e6 / max(rep["requests"], 1),
                       "errors": sum(rep["errors"].values())}
                rows.append(row)
                print(json.dumps(row), flush=True)
                procs.stop(r0.proc)
finally:
    procs.stop_all()
with open(OUT + '/rows.json', 'w') as f:
    json.dump(rows, f, indent=1)
print("\n| JVM | backends | req/s | CPU µs/req | user µs/req | kernel µs/req | GC threads µs/req | p99 µs |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name in SETTINGS:
    for n in (2, 1000):
        sel = [r for r in rows if r["jvm"] == name and r["backends"] == n]
        med = lambda k: statistics.median(r[k] for r in sel)
        print(f"| {name} | {n} | {med('rps'):,.0f} | {med('cpu_us'):.1f} | {med('user_us'):.1f} | "
              f"{med('kernel_us'):.1f} | {med('gc_us'):.2f} | {med('p99_us'):,.0f} |")
