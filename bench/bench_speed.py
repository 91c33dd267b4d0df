"""Speed and memory of narration against a bare baseline measured in the same run.

    python -m bench.bench_speed [--articles 40] [--minutes 60] [--quick]

Prints each measurement with its ratio and goal, and writes bench/results/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_3a98ce0cadde2fff.txt"
RESULTS = ROOT / "bench" / "results"


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time in seconds and peak resident memory (KiB) of ``command``'s own process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{err}")
    return elapsed, usage.ru_maxrss


def best(times: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(times))


def narrator(*args: str) -> list[str]:
    return [sys.executable, "-m", "narrator", "narrate", "-q", *args]


def baseline(source: Path, target: Path) -> list[str]:
    return [sys.executable, "-m", "bench.baseline", str(source), str(target)]


def long_article(folder: Path, minutes: int) -> Path:
    """An article of about ``minutes`` of speech: the seed's paragraphs, repeated with numbering."""
    paragraphs = [p for p in SEED.read_text("utf-8").splitlines() if p.strip()][:-1]
    per_paragraph_s = 207 / len(paragraphs)  # the seed reads for about 207 s
    count = int(minutes * 60 / per_paragraph_s)
    lines = [f"بخش {n + 1}: {paragraphs[n % len(paragraphs)]}" for n in range(count)]
    path = folder / f"long_{minutes}min.txt"
    path.write_text("\n\n".join(lines) + "\n", "utf-8")
    return path


def measure(args: argparse.Namespace) -> dict[str, object]:
    results: dict[str, object] = {"cores": os.cpu_count(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        out = tmp / "out"
        out.mkdir()

        # 1. cold narration of the seed against the bare baseline
        base = best(3, lambda: run(baseline(SEED, out / "base.mp3"))[0])
        cold = best(3, lambda: run(narrator(str(SEED), "--no-cache", "-o", str(out)))[0])
        results["cold"] = {
            "baseline_s": base, "narrator_s": cold, "ratio": cold / base, "goal": 1.5, "limit": 2.0,
        }

        # 2. re-narration after one paragraph was edited (warm cache) against the cold run
        cache = tmp / "cache"
        edited = tmp / SEED.name
        run(narrator(str(SEED), "--cache-dir", str(cache), "-o", str(out)))

        def renarrate() -> float:
            lines = SEED.read_text("utf-8").splitlines()
            lines[2] = f"وی افزود: این جمله ویرایش شده است {time.monotonic_ns()}."
            edited.write_text("\n".join(lines), "utf-8")
            return run(narrator(str(edited), "--cache-dir", str(cache), "-o", str(out)))[0]

        again = best(3, renarrate)
        results["renarrate"] = {"narrator_s": again, "cold_s": cold, "ratio": again / cold, "goal": 0.4}

        # 3. a batch of articles with -j 2 against one after another
        batch = tmp / "batch"
        batch.mkdir()
        for n in range(args.articles):
            shutil.copy(SEED, batch / f"article_{n:03d}.txt")
        serial, _ = run(narrator(str(batch), "--no-cache", "-j", "1", "-o", str(tmp / "serial")))
        parallel, _ = run(narrator(str(batch), "--no-cache", "-j", "2", "-o", str(tmp / "parallel")))
        bare = sum(
            run(baseline(batch / f"article_{n:03d}.txt", out / "b.mp3"))[0] for n in range(args.articles)
        )
        results["batch"] = {
            "articles": args.articles, "serial_s": serial, "parallel_s": parallel, "baseline_serial_s": bare,
            "throughput_vs_serial": serial / parallel, "throughput_vs_baseline_serial": bare / parallel,
            "goal": 1.6,
        }

        # 4. a long article: peak memory and linear growth
        half = long_article(tmp, args.minutes // 2)
        full = long_article(tmp, args.minutes)
        half_s, half_kib = run(narrator(str(half), "--no-cache", "-o", str(out)))
        full_s, full_kib = run(narrator(str(full), "--no-cache", "-o", str(out)))
        results["long"] = {
            "minutes": args.minutes, "half_s": half_s, "full_s": full_s, "growth": full_s / half_s,
            "growth_limit": 2.2, "peak_rss_mb": full_kib / 1024, "half_peak_rss_mb": half_kib / 1024,
            "rss_limit_mb": 300,
        }

        # 5. a network engine against a stand-in server that answers after 200 ms
        from bench.network import network_speedup

        results["network"] = network_speedup(sentences=24, delay=0.2, concurrency=8)
    return results


def report(results: dict[str, object]) -> None:
    print(f"cores: {results['cores']}  python {results['python']}")
    for name, data in results.items():
        if isinstance(data, dict):
            print(f"{name}: " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in data.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="4 articles, 10 minutes: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.minutes = 4, 10
    results = measure(args)
    report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(results, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
