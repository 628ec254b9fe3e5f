"""Shared pieces of the load scripts: processes started and stopped by PID, loopback ports,
readiness waits, CPU and RSS from /proc, wrk runs with a Lua report, config templates, SVG charts.

Everything binds to 127.0.0.1; every load is bounded by a duration; only processes started here
are ever signalled, by their PID.
"""
import atexit
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)
APPLIANCE_JAR = os.path.join(ROOT, "appliance/target/appliance.jar")
# The appliance's own JVM options (config/jvm.args), as the image and tools/demo start it; a
# benchmark's java options come after them.
APPLIANCE_JVM = ["@" + os.path.join(ROOT, "config/jvm.args")]
BACKEND_JAR = os.path.join(ROOT, "tools/demo-backend/target/demo-backend.jar")
POLICY_JAR = os.path.join(ROOT, "tools/policy-server/target/policy-server.jar")
BENCH_JAR = os.path.join(ROOT, "benchmarks/target/benchmarks.jar")
CONFIGS = os.path.join(BENCH, "configs")
WRK_LUA = os.path.join(HERE, "wrk-report.lua")
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The throughput targets, judged by compare-peers and pooled by pool-runs:
# (label, appliance target, peer, wanted req/s ratio, whether the p99 must also be lower).
THROUGHPUT_TARGETS = [
    ("appliance + policy (cache off) >= 2.0x nginx + auth_request, lower p99",
     "appliance-policy-nocache", "nginx-auth", 2.0, True),
    ("appliance + policy (cache off) >= 1.0x haproxy (no policy)", "appliance-policy-nocache", "haproxy", 1.0, False),
    ("appliance without policy >= 1.2x haproxy", "appliance", "haproxy", 1.2, False),
]


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def require_jars(*jars):
    missing = [j for j in jars if not os.path.isfile(j)]
    if missing:
        sys.exit("missing " + ", ".join(missing) + f": run 'mvn -B -q -DskipTests package' in {ROOT} first")


def stage_jars(run_dir):
    """Copies the jars into the run directory and uses the copies, so a concurrent rebuild of the
    tree cannot swap classes under a running benchmark."""
    global APPLIANCE_JAR, BACKEND_JAR, POLICY_JAR, BENCH_JAR
    import shutil
    d = os.path.join(run_dir, "jars")
    os.makedirs(d, exist_ok=True)
    staged = []
    for j in (APPLIANCE_JAR, BACKEND_JAR, POLICY_JAR, BENCH_JAR):
        if os.path.isfile(j):
            dst = os.path.join(d, os.path.basename(j))
            shutil.copy2(j, dst)
            staged.append(dst)
        else:
            staged.append(j)
    APPLIANCE_JAR, BACKEND_JAR, POLICY_JAR, BENCH_JAR = staged


def ensure_tools(tools, install):
    """tools: {command: debian package}. Installs the missing ones with apt-get (update once)."""
    missing = {c: p for c, p in tools.items() if not _which(c)}
    if not missing:
        return
    if not install:
        sys.exit("missing " + ", ".join(missing) + " (run without --no-install, or apt-get install "
                 + " ".join(missing.values()) + ")")
    log("installing " + " ".join(missing.values()) + " with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + list(missing.values()),
                   check=True, env=env)
    still = [c for c in missing if not _which(c)]
    if still:
        sys.exit("still missing after apt-get: " + ", ".join(still))


def _which(cmd):
    for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, cmd)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def which(cmd):
    return _which(cmd) or cmd


def installed(cmd):
    return _which(cmd) is not None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n):
    """n distinct free loopback ports (held open together so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def raise_nofile(want):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Processes:
    """Every process this run started, stopped by PID on exit (normal, error, SIGINT, SIGTERM)."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.procs = []
        os.makedirs(logdir, exist_ok=True)
        atexit.register(self.stop_all)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        self.stop_all()
        sys.exit(128 + signum)

    def start(self, name, argv, cpus=None):
        if cpus is not None:
            argv = ["taskset", "-c", cpus] + argv
        out = open(os.path.join(self.logdir, name + ".log"), "ab")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        p.bench_name = name
        self.procs.append(p)
        log(f"started {name} pid {p.pid}: {' '.join(argv)}")
        return p

    def stop(self, p, timeout=10):
        stop_process(p, signal.SIGTERM, timeout)
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in reversed(list(self.procs)):
            try:
                self.stop(p)
            except Exception as e:  # noqa: BLE001 - keep stopping the others
                print(f"could not stop pid {p.pid}: {e}", file=sys.stderr)

    def log_tail(self, name, lines=20):
        try:
            with open(os.path.join(self.logdir, name + ".log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def stop_process(p, sig=signal.SIGTERM, timeout=10):
    """Sends sig to a process this run started (by its PID) and waits; kills it after timeout s."""
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def wait_port(port, proc=None, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.bench_name} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def wait_http_ok(url, proc=None, timeout=30.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.bench_name} exited with {proc.returncode} before {url} answered")
        try:
            status, _ = http_get(url, 1.0)
            if status == 200:
                return
            last = status
        except Exception as e:  # noqa: BLE001 - not up yet
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"{url} not OK after {timeout}s (last: {last})")


def children(pid):
    """PIDs whose parent is pid (nginx workers), read from /proc."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
                if int(s[s.rindex(")") + 2:].split()[1]) == pid:
                    out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _stat_times(path):
    """(utime, stime) ticks from a /proc stat file; (0, 0) when it is gone."""
    try:
        with open(path) as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        return int(fields[11]), int(fields[12])
    except (OSError, ValueError, IndexError):
        return 0, 0


def cpu_split(pid, with_children=False):
    """(user, kernel) CPU seconds of pid (all its threads), plus its direct children's when asked."""
    user = kernel = 0
    for p in [pid] + (children(pid) if with_children else []):
        u, k = _stat_times(f"/proc/{p}/stat")
        user += u
        kernel += k
    return user / CLK_TCK, kernel / CLK_TCK


def cpu_seconds(pid, with_children=False):
    """utime+stime of pid (all its threads), plus its direct children's when asked."""
    return sum(cpu_split(pid, with_children))


def cpu_per_request(before, after, requests):
    """(all, kernel) CPU µs per request between two cpu_split readings."""
    n = max(requests, 1)
    return (sum(after) - sum(before)) * 1e6 / n, (after[1] - before[1]) * 1e6 / n


def thread_ticks(pid, with_children=False):
    """{(pid, tid): utime+stime ticks} of every thread of pid, and of its direct children's."""
    out = {}
    for p in [pid] + (children(pid) if with_children else []):
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tids:
            out[(p, t)] = sum(_stat_times(f"/proc/{p}/task/{t}/stat"))
    return out


def busiest_thread(before, after, seconds):
    """The largest CPU use of one thread between two thread_ticks snapshots, as a fraction of one CPU:
    near 1.0 that thread (an event loop, a worker) was saturated and bounds the throughput."""
    if seconds <= 0:
        return None
    best = max((v - before.get(k, 0) for k, v in after.items()), default=0)
    return best / CLK_TCK / seconds


def box_ticks():
    """(idle, total) jiffies of all CPUs from /proc/stat; idle counts iowait too."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v[:8])


def busy_fraction(t0, t1):
    """Share of the box's CPU time that was busy between two box_ticks() readings."""
    total = t1[1] - t0[1]
    return None if total <= 0 else 1 - (t1[0] - t0[0]) / total


def rss_kib(pid, with_children=False):
    pids = [pid] + (children(pid) if with_children else [])
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def render_template(path, values, out_path):
    with open(path) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("${" + k + "}", str(v))
    with open(out_path, "w") as f:
        f.write(text)
    return out_path


def check_config(path):
    r = subprocess.run(["java", "-jar", APPLIANCE_JAR, "--check-config", path], capture_output=True, text=True,
                       timeout=60)
    return r.returncode == 0, (r.stdout + r.stderr).strip()


SPECTRUM = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.875, 97.5, 98.4375, 99, 99.21875,
            99.5, 99.609375, 99.8, 99.9, 99.95, 99.99, 99.999, 100]


def run_wrk(url, connections, duration_s, threads=1, cpus=None, timeout_s=10, vary=None):
    """One bounded wrk run; returns the Lua report (latencies in microseconds).
    vary: None, ("paths", N) or ("paths", N, START) for N distinct paths (walked in order from START,
    random when absent), or ("host", NAME) for a Host header."""
    duration_s = max(1, int(round(duration_s)))  # wrk takes whole seconds
    script = WRK_LUA if vary is None else os.path.join(HERE, "wrk-vary.lua")
    argv = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{duration_s}s",
            "--timeout", f"{timeout_s}s", "-s", script, url]
    if vary is not None:
        argv += ["--"] + [str(v) for v in vary]
    if cpus is not None:
        argv = ["taskset", "-c", cpus] + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=duration_s + timeout_s + 30,
                       env=dict(os.environ, WRK_REPORT_LUA=WRK_LUA))
    for line in r.stdout.splitlines():
        if line.startswith("WRKJSON "):
            rep = json.loads(line[len("WRKJSON "):])
            rep["rps"] = rep["requests"] / (rep["duration_us"] / 1e6) if rep["duration_us"] else 0.0
            return rep
    raise RuntimeError(f"wrk gave no report (rc {r.returncode}): {r.stdout[-500:]} {r.stderr[-500:]}")


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- SVG charts (no dependencies)

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]


def _nice_ticks(lo, hi, log_scale):
    if log_scale:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        return [10 ** e for e in range(a, b + 1)]
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=mag * 10)
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while True:
        ticks.append(round(t, 10))
        if t >= hi - step * 0.001:
            return ticks
        t += step


def _fmt(v):
    if v >= 1e6:
        return f"{v / 1e6:g}M"
    if v >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def line_chart(path, title, series, x_label, y_label, x_log=False, y_log=False, x_ticks=None, y_zero=True):
    """series: [(label, [(x, y), ...])]. x_ticks: optional [(x, label)]. Writes an SVG file."""
    w, h, ml, mr, mt, mb = 860, 440, 70, 290, 40, 50
    pts = [(x, y) for _, s in series for x, y in s if y is not None]
    if not pts:
        return
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    if y_log:
        ys = [y for y in ys if y > 0] or [1]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (min(ys), max(ys))
    if not y_log and y_zero:
        y0 = 0
    if x_log:
        x0, x1 = max(x0, 1e-9), max(x1, 1e-9)
    yt = _nice_ticks(y0 if not y_log else max(y0, 1e-9), y1 if y1 > y0 else y0 + 1, y_log)
    y0, y1 = yt[0], yt[-1]
    if x_ticks is None:
        xt = _nice_ticks(x0, x1, x_log)
        x0, x1 = (xt[0], xt[-1]) if not x_log else (min(x0, xt[0]), max(x1, xt[-1]))
        x_ticks = [(t, _fmt(t)) for t in xt]
    if x1 == x0:
        x1 = x0 + 1

    def sx(x):
        f = (math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0)) if x_log else (x - x0) / (x1 - x0)
        return ml + f * (w - ml - mr)

    def sy(y):
        if y_log:
            y = max(y, y0)
            f = (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0))
        else:
            f = (y - y0) / (y1 - y0)
        return h - mb - f * (h - mt - mb)

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
         f'<rect width="{w}" height="{h}" fill="white"/>',
         f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">{_esc(title)}</text>']
    for t in yt:
        y = sy(t)
        o.append(f'<line x1="{ml}" y1="{y:.1f}" x2="{w - mr}" y2="{y:.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    for t, lab in x_ticks:
        if x0 <= t <= x1:
            x = sx(t)
            o.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{h - mb}" stroke="#eee"/>')
            o.append(f'<text x="{x:.1f}" y="{h - mb + 16}" text-anchor="middle">{_esc(lab)}</text>')
    o.append(f'<rect x="{ml}" y="{mt}" width="{w - ml - mr}" height="{h - mt - mb}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{(ml + w - mr) / 2}" y="{h - 12}" text-anchor="middle">{_esc(x_label)}</text>')
    o.append(f'<text transform="translate(16,{(mt + h - mb) / 2}) rotate(-90)" text-anchor="middle">{_esc(y_label)}</text>')
    for i, (label, s) in enumerate(series):
        c = PALETTE[i % len(PALETTE)]
        good = [(x, y) for x, y in s if y is not None and (not y_log or y > 0)]
        if not good:
            continue
        d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in good)
        o.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
        for x, y in good:
            o.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{c}"/>')
        ly = mt + 10 + i * 18
        o.append(f'<line x1="{w - mr + 10}" y1="{ly}" x2="{w - mr + 30}" y2="{ly}" stroke="{c}" stroke-width="3"/>')
        o.append(f'<text x="{w - mr + 35}" y="{ly + 4}">{_esc(label)}</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


def _esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def percentile_chart(path, title, series):
    """series: [(label, {percentile: latency_us})] plotted HdrHistogram-style (x = 1/(1-p))."""
    def nines(p):
        return 1.0 / (1.0 - min(p, 99.9999) / 100.0)
    lines = []
    for label, spectrum in series:
        lines.append((label, [(nines(float(p)), v / 1000.0) for p, v in sorted(spectrum.items(), key=lambda kv: float(kv[0]))
                              if float(p) < 100]))
    ticks = [(nines(p), lab) for p, lab in [(0, "0%"), (90, "90%"), (99, "99%"), (99.9, "99.9%"), (99.99, "99.99%"),
                                            (99.999, "99.999%")]]
    line_chart(path, title, lines, "percentile", "latency (ms)", x_log=True, y_log=True, x_ticks=ticks)


# ---------------------------------------------------------------- the pieces every script starts

POLICY_CONFIGS = {"appliance-policy-nocache": "appliance-policy-nocache.yaml",
                  "appliance-policy-cache": "appliance-policy-cache.yaml"}


class Skip(Exception):
    """A target that cannot run here (its config is absent or refused)."""


def start_backends(procs, count, cpus=None, name="backends"):
    """count demo backends in one JVM on consecutive free ports; returns (proc, [ports])."""
    for _ in range(50):
        base = free_port()
        try:
            for i in range(1, count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", base + i))
            break
        except OSError:
            continue
    p = procs.start(name, ["java", "-jar", BACKEND_JAR, "--port", str(base), "--count", str(count),
                           "--name", "backend"], cpus)
    ports = [base + i for i in range(count)]
    for port in ports:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", p, 60)
    return p, ports


NGINX_BACKEND_SERVER = """    server {{
        listen 127.0.0.1:{port};
        location = /healthz {{ return 200 "ok\\n"; }}
        location / {{
            add_header X-Backend backend-{n};
            return 200 "backend=backend-{n} method=$request_method uri=$request_uri\\n";
        }}
    }}
"""


def start_nginx_backends(procs, run_dir, ports, cpus=None, name="backends"):
    """Static backends in one nginx worker (configs/nginx-backend.conf), one server per port, named
    backend-1, backend-2, ...; waits until the first and the last answer. Returns the process."""
    os.makedirs(os.path.join(run_dir, name + "-tmp"), exist_ok=True)
    servers = "".join(NGINX_BACKEND_SERVER.format(port=port, n=i + 1) for i, port in enumerate(ports))
    path = render_template(os.path.join(CONFIGS, "nginx-backend.conf"),
                           {"RUN_DIR": run_dir, "NAME": name, "SERVERS": servers}, os.path.join(run_dir, name + ".conf"))
    p = procs.start(name, [which("nginx"), "-p", run_dir, "-c", path, "-e", os.path.join(run_dir, name + "-error.log")],
                    cpus)
    for port in sorted({ports[0], ports[-1]}):
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", p, 60)
    return p


def haproxy_servers(addresses):
    """The server lines of configs/haproxy.cfg's backend, one per address."""
    return "\n".join(f"    server b{i + 1} {addr}" for i, addr in enumerate(addresses))


def start_backend_pair(procs, run_dir, nginx, cpus=None, name="backends"):
    """The benchmarks' two backends: static nginx servers (nginx=True) or the JVM demo backend.
    Returns (process, [port, port]) once both answer."""
    if nginx:
        ports = free_ports(2)
        return start_nginx_backends(procs, run_dir, ports, cpus, name), ports
    return start_backends(procs, 2, cpus, name)


def start_policy(procs, cpus=None):
    port = free_port()
    p = procs.start("policy-server", ["java", "-jar", POLICY_JAR, "--rules", os.path.join(CONFIGS, "policy-rules.yaml"),
                                      "--port", str(port)], cpus)
    wait_http_ok(f"http://127.0.0.1:{port}/v1/health", p)
    return p, port


def template_values(backend_ports, policy_port, run_dir, pin=False, transport="epoll"):
    v = {"RUN_DIR": run_dir, "PIN_THREADS": "true" if pin else "false", "TRANSPORT": transport}
    for i, port in enumerate(backend_ports):
        v[f"BACKEND_{i + 1}"] = f"127.0.0.1:{port}"
    if policy_port:
        v.update({"POLICY_PORT": policy_port, "POLICY_ADDRESS": f"127.0.0.1:{policy_port}",
                  "POLICY_URL": f"http://127.0.0.1:{policy_port}"})
    return v


def start_appliance(procs, name, config_text_or_template, values, run_dir, java_opts="", cpus=None, template=True):
    """Renders (template=True: a file under configs/) or writes a config, checks it with --check-config,
    starts the appliance and waits for /readyz. Returns (proc, port, admin_port). Raises Skip."""
    port, admin = free_ports(2)
    path = os.path.join(run_dir, name + ".yaml")
    vals = dict(values, LISTEN_PORT=port, ADMIN_PORT=admin)
    if template:
        src = os.path.join(CONFIGS, config_text_or_template)
        if not os.path.isfile(src):
            raise Skip(f"`benchmarks/configs/{config_text_or_template}` does not exist yet")
        render_template(src, vals, path)
    else:
        text = config_text_or_template
        for k, v in vals.items():
            text = text.replace("${" + k + "}", str(v))
        with open(path, "w") as f:
            f.write(text)
    ok, msg = check_config(path)
    if not ok:
        raise Skip(f"config refused by --check-config: {(msg.splitlines() or ['?'])[0]}")
    p = procs.start(name, ["java"] + APPLIANCE_JVM + java_opts.split() + ["-jar", APPLIANCE_JAR, "--config", path], cpus)
    wait_http_ok(f"http://127.0.0.1:{admin}/readyz", p, 60)
    wait_port(port, p)
    return p, port, admin


def run_driver(url, rate, duration_s, connections, warmup_s, cpus=None):
    """One open-loop run (OpenLoopDriver in benchmarks.jar); returns its JSON report."""
    argv = ["java", "-Xms256m", "-Xmx256m", "-cp", BENCH_JAR, "dev.arbiter.benchmarks.OpenLoopDriver", url,
            str(rate), str(duration_s), str(connections), str(warmup_s)]
    if cpus is not None:
        argv = ["taskset", "-c", cpus] + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=duration_s + warmup_s + 90)
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"driver gave no report (rc {r.returncode}): {r.stdout[-400:]} {r.stderr[-800:]}")


def policy_stats(port):
    try:
        _, body = http_get(f"http://127.0.0.1:{port}/v1/stats")
        return json.loads(body)
    except Exception:  # noqa: BLE001
        return {}


def git_commit():
    return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


def busy_percent(seconds=1.0):
    """Share of all CPUs busy over `seconds` (whatever runs: before a run it is other people's load)."""
    def read():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return 100.0 * (1 - (i1 - i0) / max(t1 - t0, 1))


GC_BUCKET_MAX_S = 1.0  # the largest finite bound of the appliance's arbiter_gc_pause_seconds histogram


def gc_snapshot(admin_port):
    """The appliance's collections so far, all collectors together, from GET /metrics: count, seconds, the
    pause histogram's cumulative buckets ({upper bound in seconds: count}) and the heap bytes its event loops
    have allocated (None where the JVM does not count them). None when /metrics does not answer or has no
    pause histogram (a build from before it existed)."""
    try:
        _, body = http_get(f"http://127.0.0.1:{admin_port}/metrics")
    except Exception:  # noqa: BLE001
        return None
    snap = {"count": 0.0, "seconds": 0.0, "buckets": {}, "loop_bytes": None}
    for line in body.splitlines():
        if line.startswith("jvm_gc_collection_seconds_count{"):
            snap["count"] += float(line.rsplit(" ", 1)[1])
        elif line.startswith("jvm_gc_collection_seconds_sum{"):
            snap["seconds"] += float(line.rsplit(" ", 1)[1])
        elif line.startswith("arbiter_loop_allocated_bytes_total{"):
            snap["loop_bytes"] = (snap["loop_bytes"] or 0.0) + float(line.rsplit(" ", 1)[1])
        elif line.startswith("arbiter_gc_pause_seconds_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            bound = float("inf") if le == "+Inf" else float(le)
            snap["buckets"][bound] = snap["buckets"].get(bound, 0.0) + float(line.rsplit(" ", 1)[1])
    return snap if snap["buckets"] else None


def gc_delta(g0, g1, requests, wall_s):
    """What the JVM collected between two gc_snapshot()s: collections per million requests, the share of the
    wall time spent in them, the longest pause as the smallest bucket bound that holds every pause of the
    interval (seconds; inf when one was over the largest bound, 0 when there was no collection), and the heap
    bytes the event loops allocated per request (None where not counted)."""
    if g0 is None or g1 is None:
        return None
    count = g1["count"] - g0["count"]
    grown = g1["buckets"][float("inf")] - g0["buckets"][float("inf")]
    longest = 0.0
    if grown > 0:
        longest = min(b for b in g1["buckets"] if g1["buckets"][b] - g0["buckets"].get(b, 0.0) >= grown)
    loop_bytes = None if g0["loop_bytes"] is None or g1["loop_bytes"] is None \
        else (g1["loop_bytes"] - g0["loop_bytes"]) / max(requests, 1)
    return {"collections": count, "per_1m_req": count * 1e6 / max(requests, 1),
            "time_share": (g1["seconds"] - g0["seconds"]) / wall_s if wall_s > 0 else None, "longest_s": longest,
            "loop_bytes_per_req": loop_bytes}


def gc_longest_text(g, none):
    """The longest pause of a gc_delta() as a report cell: `none` when there was no collection."""
    if g["collections"] == 0:
        return none
    if g["longest_s"] == float("inf"):
        return f"over {GC_BUCKET_MAX_S:g} s"
    return f"<= {g['longest_s'] * 1000:g} ms"


def metrics(admin_port, names):
    """Sums of the samples of each Prometheus metric in names (all label sets), from GET /metrics."""
    out = {n: 0.0 for n in names}
    try:
        _, body = http_get(f"http://127.0.0.1:{admin_port}/metrics")
    except Exception:  # noqa: BLE001
        return {n: None for n in names}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in out:
            try:
                out[name] += float(line.rsplit(" ", 1)[1])
            except ValueError:
                pass
    return out
