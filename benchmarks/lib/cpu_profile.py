"""CPU profiles of a running JVM with async-profiler, kernel frames included.

JFR samples Java frames only; on loopback most of a proxy's CPU is the kernel's TCP work, which only a
profiler that sees kernel stacks can show. The build unpacks async-profiler's native library into
benchmarks/target/async-profiler/ (benchmarks/pom.xml); record() attaches it with jcmd.

    python3 benchmarks/lib/cpu_profile.py FILE.collapsed [N]     # the summary of a recorded profile
"""
import collections
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIB_DIR = os.path.join(os.path.dirname(HERE), "target", "async-profiler")

# Leaf frames of threads that are not Java application threads, by the first frame that names them.
_VM_THREADS = (("CompileBroker::compiler_thread_loop", "JIT compiler threads"),
               ("GangWorker", "GC worker threads"), ("G1", "GC worker threads"), ("ConcurrentGCThread", "GC worker threads"),
               ("VMThread", "VM thread"))


def library():
    """The path of libasyncProfiler.so for this machine, or None when the build did not unpack it."""
    arch = {"x86_64": "linux-x64", "amd64": "linux-x64", "aarch64": "linux-arm64"}.get(platform.machine().lower())
    if arch is None:
        return None
    path = os.path.join(LIB_DIR, arch, "libasyncProfiler.so")
    return path if os.path.isfile(path) else None


def _agent(pid, lib, command):
    # jcmd parses name=value pairs itself: the agent's options go through as one quoted string.
    r = subprocess.run(["jcmd", str(pid), "JVMTI.agent_load", lib, f'"{command}"'], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0 or "return code: 0" not in r.stdout:
        raise RuntimeError(f"async-profiler {command.split(',')[0]} on pid {pid} failed: {r.stdout.strip()} {r.stderr.strip()}")


def start(pid, lib, interval_us=500):
    """Starts CPU sampling (perf events, kernel stacks included) every interval_us of CPU time."""
    _agent(pid, lib, f"start,event=cpu,interval={interval_us}us,cstack=vm")


def stop(pid, lib, collapsed_path, flame_path):
    """Writes the samples as collapsed stacks and as a flame graph (HTML), and stops sampling."""
    _agent(pid, lib, f"dump,collapsed,file={collapsed_path}")
    _agent(pid, lib, f"stop,flamegraph,file={flame_path}")


# Kernel samples by what the kernel was doing; the first group whose frame appears in the stack wins.
# On loopback a sender's segments are received (softirq) in its own context, so "receive" includes the
# peer's side of what this process sent.
_KERNEL = (("TCP/IP receive (softirq, loopback: both directions)", ("net_rx_action", "process_backlog", "__netif_receive_skb",
                                                                    "ip_rcv", "tcp_v4_rcv")),
           ("TCP send (tcp_sendmsg to the device)", ("tcp_sendmsg", "tcp_write_xmit", "__tcp_push_pending_frames",
                                                     "ip_queue_xmit")),
           ("TCP receive copy (recvmsg)", ("tcp_recvmsg", "sock_recvmsg")),
           ("sleeping and waking (scheduler)", ("schedule", "try_to_wake_up", "futex")),
           ("I/O interface (io_uring / epoll bookkeeping)", ("io_uring", "io_submit_sqes", "io_cqring", "ep_poll",
                                                            "epoll")),)


def _kernel_kind(frames):
    for name, needles in _KERNEL:
        if any(n in f for f in frames for n in needles):
            return name
    return "other kernel work"


def _load(path):
    for line in open(path):
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, n = line.rpartition(" ")
        yield stack.split(";"), int(n)


def _kind(frames):
    leaf = frames[-1]
    if leaf.endswith("_[k]"):
        return "kernel"
    if frames[0] == "java/lang/Thread.run" or any(f.startswith(("java/", "io/netty/", "dev/arbiter/")) for f in frames):
        return "Java threads, user space"
    for needle, name in _VM_THREADS:
        if any(needle in f for f in frames):
            return name
    return "other user space"


def summary(path, n=25):
    """Markdown: where the samples fall (kernel, Java user space, JIT, GC), the hottest leaf frames, and
    the hottest Java frames inclusive of what they call."""
    total = 0
    kinds = collections.Counter()
    leaf = collections.Counter()
    incl = collections.Counter()
    kernel_entry = collections.Counter()
    for frames, count in _load(path):
        total += count
        kind = _kind(frames)
        kinds[kind] += count
        leaf[frames[-1]] += count
        for f in set(frames):
            if f.startswith(("dev/arbiter/", "io/netty/handler/", "com/fasterxml/")) and "$$Lambda" not in f \
                    and "ThreadFactory" not in f:
                incl[f] += count
        if kind == "kernel":
            kernel_entry[_kernel_kind(frames)] += count
    if total == 0:
        return "No samples."
    pct = lambda c: f"{c * 100 / total:.1f}%"  # noqa: E731
    out = [f"{total:,} CPU samples (async-profiler, perf events, kernel frames included).\n",
           "| where | share of the process's CPU |", "|---|---:|"]
    out += [f"| {k} | {pct(v)} |" for k, v in kinds.most_common()]
    out += ["", "The kernel's share by what it was doing:\n", "| kernel work | share |", "|---|---:|"]
    out += [f"| {k} | {pct(v)} |" for k, v in kernel_entry.most_common()]
    out += ["", f"Hottest leaf frames (self time), top {n}:\n", "| frame | self |", "|---|---:|"]
    out += [f"| `{k}` | {pct(v)} |" for k, v in leaf.most_common(n)]
    out += ["", f"Hottest appliance and codec frames (inclusive), top {n}:\n", "| frame | inclusive |", "|---|---:|"]
    out += [f"| `{k}` | {pct(v)} |" for k, v in incl.most_common(n)]
    return "\n".join(out)


if __name__ == "__main__":
    print(summary(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25))
