"""Every row of issue 13's table, against a bare baseline measured in the same run.

    python -m bench.bench_speed [--articles 20] [--minutes 60] [--quick]

Prints each measurement with its ratio and bar, and writes bench/results/speed.json. The cold run
and the baseline are taken in turns, five of each, and the best of each kept (this machine's
speed drifts by a factor of up to two over minutes); each edit row takes five edits in turns with
five cold runs, the best of each. CPU is user + system time of the process and every process it
waited for.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_3a98ce0cadde2fff.txt"
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Run:
    """One command's wall time (s), CPU time (s, user + system) and peak resident memory (KiB)."""

    wall: float
    cpu: float
    rss_kib: int


def run_full(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``command``; its process and the processes it waited for are counted (``wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{err}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time in seconds and peak resident memory (KiB) of ``command``."""
    found = run_full(command, env)
    return found.wall, found.rss_kib


def side_by_side(times: int, first: Callable[[], Run], second: Callable[[], Run]) -> tuple[Run, Run]:
    """The fastest of ``times`` runs of each, taken in turns (a machine whose speed drifts during
    the run then slows both alike), with the least CPU time seen for each."""
    ones, twos = [], []
    for _ in range(times):
        ones.append(first())
        twos.append(second())
    return _best(ones), _best(twos)


def edit_row(cold: Run, edit: Run) -> dict[str, float]:
    """An edit row: the best re-narration against the best cold run taken in turns with it."""
    return {"narrator_s": edit.wall, "cold_s": cold.wall, "ratio": edit.wall / cold.wall,
            "bar": 0.3, "goal": 0.15}


def _best(runs: list[Run]) -> Run:
    quickest = min(runs, key=lambda r: r.wall)
    return Run(quickest.wall, min(r.cpu for r in runs), quickest.rss_kib)


def audio_stream(path: Path) -> bytes:
    """An MP3's bytes after its ID3v2 tag."""
    data = path.read_bytes()
    if data[:3] != b"ID3":
        return data
    size = 0
    for byte in data[6:10]:
        size = size * 128 + byte
    return data[10 + size :]


def edited(folder: Path, paragraph: int, text: str) -> Path:
    """The seed with its ``paragraph``-th non-empty line replaced by ``text`` (in ``folder``)."""
    lines = SEED.read_text("utf-8").splitlines()
    numbers = [n for n, line in enumerate(lines) if line.strip()]
    lines[numbers[paragraph]] = text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SEED.name
    path.write_text("\n".join(lines), "utf-8")
    return path


def reworded(folder: Path, paragraph: int, number: int) -> Path:
    """The seed with a number put after the fourth word of its ``paragraph``-th non-empty line: a
    typo-sized edit that leaves the paragraph as long as it was."""
    lines = SEED.read_text("utf-8").splitlines()
    numbers = [n for n, line in enumerate(lines) if line.strip()]
    words = lines[numbers[paragraph]].split()
    words[3] += f" {number}"
    lines[numbers[paragraph]] = " ".join(words)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SEED.name
    path.write_text("\n".join(lines), "utf-8")
    return path


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
        env = dict(os.environ, NARRATOR_CACHE_DIR=str(tmp / "tables"))

        # first run on a fresh machine: `narrator text` builds the hazm and ezafe tables
        first = run_full([sys.executable, "-m", "narrator", "text", str(SEED)], env)
        results["first_run_text"] = {"wall_s": first.wall, "peak_rss_mb": first.rss_kib / 1024,
                                     "bar_mb": 300, "goal_mb": 150}

        def cold_run() -> Run:
            return run_full(narrator(str(SEED), "--no-cache", "-o", str(out)), env)

        # cold narration of the seed and its CPU, against the bare baseline
        base, cold = side_by_side(5, lambda: run_full(baseline(SEED, out / "base.mp3"), env), cold_run)
        results["cold"] = {"baseline_s": base.wall, "narrator_s": cold.wall, "ratio": cold.wall / base.wall,
                           "bar": 1.6, "goal": 1.0}
        results["cpu"] = {"baseline_s": base.cpu, "narrator_s": cold.cpu, "ratio": cold.cpu / base.cpu,
                          "bar": 1.8, "goal": 1.3}

        # the same article narrated five ways: fresh cache x3, warm cache, --no-cache
        streams = []
        for n in range(3):
            target = tmp / f"five{n}" / "a.mp3"
            run_full(narrator(str(SEED), "--cache-dir", str(tmp / f"c{n}"), "-o", str(target)), env)
            streams.append(audio_stream(target))
        warm = tmp / "five-warm" / "b.mp3"
        run_full(narrator(str(SEED), "--cache-dir", str(tmp / "c0"), "-o", str(warm)), env)
        run_full(narrator(str(SEED), "--no-cache", "-o", str(tmp / "five-none" / "c.mp3")), env)
        streams += [audio_stream(warm), audio_stream(tmp / "five-none" / "c.mp3")]
        results["five_ways"] = {"distinct_audio_streams": len(set(streams)), "bar": 1}

        # re-narration after an edit (warm cache), against cold runs taken in turns with it
        cache = tmp / "cache"
        old_target = tmp / "old" / "seed.mp3"
        run_full(narrator(str(SEED), "--cache-dir", str(cache), "-o", str(old_target)), env)
        counter = iter(range(1000))

        def renarrate(paragraph: int, target: Path | None) -> Run:
            number = next(counter)
            text = f"وی افزود: این جمله ویرایش شده شماره {number} است."
            source = edited(tmp / f"edit{number}", paragraph, text)
            where = target or tmp / f"new{number}" / "seed.mp3"
            return run_full(narrator(str(source), "--cache-dir", str(cache), "-o", str(where)), env)

        middle = len([p for p in SEED.read_text("utf-8").splitlines() if p.strip()]) // 2
        edits: list[tuple[str, int, Path | None]] = [
            ("edit_first_new_target", 1, None), ("edit_first_old_target", 1, old_target),
            ("edit_middle", middle, None),
        ]
        # each edit in turns with a cold narration: a drift of the machine's speed between the cold
        # row and the edits (a third either way within minutes here) weighs on both sides alike
        for name, paragraph, place in edits:
            reference, again = side_by_side(
                5, cold_run, lambda p=paragraph, t=place: renarrate(p, t)  # type: ignore[misc]
            )
            results[name] = edit_row(reference, again)

        def one_word() -> Run:  # the first paragraph stays as long: its whole sentence is made again
            number = next(counter)
            source = reworded(tmp / f"word{number}", 1, number)
            where = tmp / f"word{number}" / "out" / "seed.mp3"
            return run_full(narrator(str(source), "--cache-dir", str(cache), "-o", str(where)), env)

        reference, again = side_by_side(5, cold_run, one_word)
        results["edit_first_one_word"] = edit_row(reference, again)

        # a batch with -j 2 against the bare baseline run one after another
        batch = tmp / "batch"
        batch.mkdir()
        paragraphs = [p for p in SEED.read_text("utf-8").splitlines() if p.strip()]
        for n in range(args.articles):  # distinct articles: every paragraph ends numbered
            # (their other sentences are shared: --no-cache below keeps narrator from reusing them)
            text = "\n\n".join(f"{line} شماره {n + 1}." for line in paragraphs)
            (batch / f"article_{n:03d}.txt").write_text(text, "utf-8")

        def bare_runs(numbers: range) -> float:
            return sum(run_full(baseline(batch / f"article_{n:03d}.txt", out / "b.mp3"), env).wall
                       for n in numbers)

        # the baseline's articles half before narrator's batch and half after: a drift of the
        # machine's speed during the row weighs on both sides alike
        half = args.articles // 2
        bare = bare_runs(range(half))
        parallel = run_full(narrator(str(batch), "--no-cache", "-j", "2", "-o", str(tmp / "parallel")), env)
        bare += bare_runs(range(half, args.articles))
        results["batch"] = {"articles": args.articles, "parallel_s": parallel.wall, "baseline_serial_s": bare,
                            "throughput_vs_baseline_serial": bare / parallel.wall, "bar": 1.2, "goal": 1.6}

        # a long article: peak memory
        full = long_article(tmp, args.minutes)
        long = run_full(narrator(str(full), "--no-cache", "-o", str(out)), env)
        results["long"] = {"minutes": args.minutes, "wall_s": long.wall, "peak_rss_mb": long.rss_kib / 1024,
                           "rss_limit_mb": 300}
    return results


def report(results: dict[str, object]) -> None:
    print(f"cores: {results['cores']}  python {results['python']}")
    for name, data in results.items():
        if isinstance(data, dict):
            print(f"{name}: " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                         for k, v in data.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="4 articles, 10 minutes: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.minutes = 4, 10
    # As README's install leaves it: every module compiled. An editable install compiles nothing,
    # and with PYTHONDONTWRITEBYTECODE set a module edited since its .pyc was written is compiled
    # again by every process that imports it (narrator, its espeak-ng helpers, the baseline):
    # six such modules added 0.08 s to every run here.
    for package in ("narrator", "bench"):  # the baseline imports bench.baseline and narrator modules
        compileall.compile_dir(ROOT / package, quiet=1)
    results = measure(args)
    report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(results, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
