"""Which frames grow between two async-profiler profiles (collapsed stacks), per request.

    python3 profile-diff.py A.collapsed A_CPU_US_PER_REQ B.collapsed B_CPU_US_PER_REQ [self|inclusive] [N]

Each profile's samples are scaled so that they add up to its CPU per request (measured beside the
profile), so a frame's figure is nanoseconds per request. Prints the N frames (default 40) whose
self (or inclusive) time grew the most from A to B: A, B, and the difference.
"""
import collections
import sys


def load(path, cpu_us_per_req, inclusive):
    total, frames = 0, collections.Counter()
    with open(path) as f:
        for line in f:
            stack, n = line.rsplit(" ", 1)
            n = int(n)
            total += n
            names = stack.split(";")
            for name in (set(names) if inclusive else [names[-1]]):
                frames[name] += n
    scale = cpu_us_per_req * 1000 / total
    return {k: v * scale for k, v in frames.items()}


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    inclusive = len(sys.argv) > 5 and sys.argv[5] == "inclusive"
    top = int(sys.argv[6]) if len(sys.argv) > 6 else 40
    a = load(sys.argv[1], float(sys.argv[2]), inclusive)
    b = load(sys.argv[3], float(sys.argv[4]), inclusive)
    for k in sorted(set(a) | set(b), key=lambda k: a.get(k, 0) - b.get(k, 0))[:top]:
        print(f"{a.get(k, 0):8.0f} {b.get(k, 0):8.0f} {b.get(k, 0) - a.get(k, 0):+8.0f} ns  {k}")
