"""malloc's pools capped: a run's many threads share what they free instead of each keeping its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys, threading
from narrator.processes import reuse_freed_memory

reuse_freed_memory(int(sys.argv[1]))
count, size = 8, 24 << 20
turn = threading.Lock()
done = threading.Barrier(count)

def work():
    with turn:  # one thread at a time: whatever a pool keeps, the next thread may reuse
        block = b"\\x01" * size
        del block
    done.wait()  # every thread alive (and holding its pool) until all have freed

threads = [threading.Thread(target=work) for _ in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
# what the process holds now, its threads gone (ru_maxrss would be the peak of the process it was
# forked from, for Linux keeps the peak across exec)
status = open("/proc/self/status").read()
print(int(status.split("VmRSS:")[1].split()[0]) // 1024)
"""


def peak_mb(arenas: int) -> int:
    """What a process holds after eight threads each made and freed 24 MB in turn, with ``arenas``
    pools (MB)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(arenas)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(done.stdout)


def test_threads_share_freed_memory_in_a_pool_per_core() -> None:
    capped, uncapped = peak_mb(2), peak_mb(64)
    print(f"held: {capped} MB with 2 pools, {uncapped} MB with one per thread")
    assert uncapped > 8 * 24, "the probe shows each thread keeping what it freed"
    assert capped < 3 * 24 + 40, "with two pools, two threads' worth is kept at most"


def test_the_default_is_one_pool_per_core_and_at_least_two() -> None:
    from narrator.cores import cpu_count

    default = subprocess.run(
        [sys.executable, "-c", PROBE.replace("int(sys.argv[1])", "None"), "0"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    pools = max(2, cpu_count())  # each keeps one thread's 24 MB at most
    assert int(default.stdout) < (pools + 1) * 24 + 40
