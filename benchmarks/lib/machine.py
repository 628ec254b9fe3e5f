"""Describes the machine a run happened on, for the top of every report."""
import os
import platform
import subprocess


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def java_version():
    try:
        r = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=20)
        return r.stderr.splitlines()[0].strip()
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def describe():
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kib = int(f.readline().split()[1])
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs (`nproc`), {cpu_model()}, {mem_kib // 1024} MiB RAM, "
            f"{platform.system()} {platform.release()}, {java_version()}; load average at report time: {loadavg()}")
