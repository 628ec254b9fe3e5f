"""Two fresh appliances (2 and 1,000 static nginx backends on loopback, round-robin), each profiled for
10 s under wrk with 32 connections; prints size, req/s, CPU and kernel µs per request, and writes the
profiles to OUT. After mvn -B -q -DskipTests package:

    python3 benchmarks/results/2026-11-27-run12/backends-profile/profile-backends.py [OUT [TRANSPORT]]

TRANSPORT: io-uring (the default) or epoll.
"""
import importlib.util, importlib.machinery, sys, os, types
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '/tmp/profile-backends')
TRANSPORT = sys.argv[2] if len(sys.argv) > 2 else 'io-uring'
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')); sys.path.insert(0, 'lib')
loader = importlib.machinery.SourceFileLoader('scaling', 'scaling')
spec = importlib.util.spec_from_loader('scaling', loader)
m = importlib.util.module_from_spec(spec); loader.exec_module(m)
import bench, cpu_profile
a = types.SimpleNamespace(rounds=1, initial_warmup=20, warmup=3, duration=10, java_opts="-Xms512m -Xmx512m -XX:+AlwaysPreTouch", backends="nginx")
run_dir = OUT + '/run'; os.makedirs(run_dir, exist_ok=True); bench.stage_jars(run_dir)
procs = bench.Processes(run_dir)
try:
    bproc, base = m.start_multi_backend(procs, a, run_dir, 1000)
    lib = cpu_profile.library()
    for n in (2, 1000):
        text = m.config_text("round-robin", 1, "PATH_PREFIX", base, n).replace("transport: io-uring",
                                                                                "transport: " + TRANSPORT)
        r0 = m.Reloading(procs, a, run_dir, f"app-{n}", text, "http://127.0.0.1:PORT/svc-0/catalog")
        r0.apply(text)
        cpu_profile.start(r0.proc.pid, lib)
        c0 = bench.cpu_split(r0.proc.pid)
        rep = bench.run_wrk(r0.url, m.LOAD_CONNECTIONS, a.duration)
        cpu, kern = bench.cpu_per_request(c0, bench.cpu_split(r0.proc.pid), rep["requests"])
        cpu_profile.stop(r0.proc.pid, lib, OUT + f'/app-{n}.collapsed', OUT + f'/app-{n}.html')
        print(n, rep["rps"], cpu, kern, flush=True)
        procs.stop(r0.proc)
finally:
    procs.stop_all()
