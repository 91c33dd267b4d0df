"""Start-up cost and throughput of the Persian text preprocessor.

    python -m bench.bench_text [--megabytes 5] [--seed 1] [--runs 5]

Cold start: a fresh interpreter runs ``prepare(decode_article(seed bytes))`` and its wall time and peak
RSS (``os.wait4``) are measured, first with an empty cache dir (the one-time build of hazm's
compact tables) and then ``--runs`` times with the file cached (the median is reported). For
comparison the same is measured for a bare interpreter, for ``import narrator.text``, and for
``import hazm; hazm.Normalizer(correct_spacing=False)`` (what every run paid before the cache).

Throughput: the corpus is generated in the run (never committed) from the seed article and the
golden news sentences, with their numbers re-drawn at random so no two paragraphs are alike.
``prepare`` reads it on one core. Prints MB/s, the ratio to the 1 MB/s goal and to bare hazm
normalization of the same text, and writes bench/results/text.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from narrator.text import prepare
from narrator.text.normalize import hazm_normalize

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = ROOT / "tests" / "golden" / "readings.tsv"
RESULTS = ROOT / "bench" / "results"
GOAL_MB_PER_S = 1.0
GOAL_COLD_S = 0.3  # a cold prepare of the seed, with hazm's tables cached
GOAL_ADDED_RSS_MB = 40.0  # over a bare interpreter
SEED = SEEDS / "000_3a98ce0cadde2fff.txt"
COLD_PREPARE = (
    "from pathlib import Path; from narrator.text import prepare, decode_article; "
    f"prepare(decode_article(Path({str(SEED)!r}).read_bytes(), 'seed'))"
)
HAZM_LOAD = "import hazm; hazm.Normalizer(correct_spacing=False)"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


def source_sentences() -> list[str]:
    """News sentences: the seed articles' prose and the golden corpus' inputs, in equal weight.

    The golden sentences nearly all carry a number, date, symbol or Latin word, far more than
    real news; weighting the seed's plain prose as much keeps the mix closer to a real article
    while every rule still runs on a large share of the text.
    """
    prose: list[str] = []
    for seed in sorted(SEEDS.glob("*.txt")):
        for line in seed.read_text("utf-8").splitlines():
            prose += [s.strip() for s in re.split(r"(?<=\.)\s+", line) if len(s.strip()) > 20]
    golden = [
        line.split("\t")[1]
        for line in GOLDEN.read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return golden + prose * max(1, len(golden) // max(1, len(prose)))


def generate_corpus(megabytes: float, seed: int) -> str:
    """Paragraphs of three to seven sentences until the text is ``megabytes`` of UTF-8."""
    rng = random.Random(seed)
    sentences = source_sentences()
    target = int(megabytes * 1_000_000)
    lines: list[str] = []
    size = 0
    while size < target:
        picked = rng.sample(sentences, rng.randint(3, 7))
        paragraph = " ".join(
            re.sub("[۰-۹]", lambda _: rng.choice(PERSIAN_DIGITS), sentence) for sentence in picked
        )
        lines.append(paragraph)
        size += len(paragraph.encode("utf-8")) + 1
    return "\n".join(lines)


# A small launcher (no site, only ``os``/``sys``/``time``) spawns the measured interpreter: Linux
# starts a spawned child's peak RSS at its parent's RSS, so spawning straight from this benchmark
# (which has the preprocessor loaded) would report at least this process's size.
LAUNCHER = """import os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.executable, [sys.executable, "-c", sys.argv[1]], os.environ)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


# Appended to the first run's code: the process's own peak (``ru_maxrss`` from ``os.wait4`` also
# counts the child interpreter that builds hazm's tables once).
OWN_PEAK = "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def run_cold(code: str, cache_dir: Path) -> tuple[float, float, list[str]]:
    """Wall seconds, peak RSS (MB, ``ru_maxrss`` from ``os.wait4``: the process and the children it
    waited for) and the printed lines of a fresh ``python -c code``."""
    env = {**os.environ, "NARRATOR_CACHE_DIR": str(cache_dir)}
    lines = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, code], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    report = lines[-1].split()
    seconds, max_rss_kb, exit_code = float(report[0]), int(report[1]), int(report[2])
    if exit_code != 0:
        raise RuntimeError(f"{code!r} exited with {exit_code}")
    return seconds, max_rss_kb / 1024, lines[:-1]  # ru_maxrss is in kilobytes on Linux


def measure_cold(runs: int) -> dict[str, float]:
    """Cold-start seconds and peak RSS: build run, cached runs (median), and the references."""
    with tempfile.TemporaryDirectory(prefix="narrator-bench-") as folder:
        cache = Path(folder)
        build_s, build_mb, printed = run_cold(COLD_PREPARE + OWN_PEAK, cache)
        cached = [run_cold(COLD_PREPARE, cache)[:2] for _ in range(runs)]
        bare = [run_cold("pass", cache)[:2] for _ in range(runs)]
        imported = [run_cold("import narrator.text", cache)[:2] for _ in range(runs)]
        hazm_s, hazm_mb, _ = run_cold(HAZM_LOAD, cache)
    bare_mb = statistics.median(mb for _, mb in bare)
    cold_mb = statistics.median(mb for _, mb in cached)
    return {
        "cold_prepare_s": round(statistics.median(s for s, _ in cached), 3),
        "cold_prepare_rss_mb": round(cold_mb, 1),
        "cold_prepare_added_rss_mb": round(cold_mb - bare_mb, 1),
        "first_run_build_s": round(build_s, 3),
        "first_run_build_rss_mb": round(build_mb, 1),
        "first_run_own_rss_mb": round(int(printed[-1]) / 1024, 1),
        "bare_python_s": round(statistics.median(s for s, _ in bare), 3),
        "bare_python_rss_mb": round(bare_mb, 1),
        "import_narrator_text_s": round(statistics.median(s for s, _ in imported), 3),
        "import_narrator_text_rss_mb": round(statistics.median(mb for _, mb in imported), 1),
        "hazm_import_and_normalizer_s": round(hazm_s, 3),
        "hazm_import_and_normalizer_rss_mb": round(hazm_mb, 1),
    }


def measure(megabytes: float, seed: int, runs: int) -> dict[str, object]:
    cold = measure_cold(runs)
    start = time.perf_counter()
    prepare("گرم کردن ۱۲٫۵٪ WHO در ۱۴۰۲/۰۵/۱۲.")  # loads hazm's cached tables and the rule tables
    warm_up_s = time.perf_counter() - start

    corpus = generate_corpus(megabytes, seed)
    size_mb = len(corpus.encode("utf-8")) / 1_000_000

    start, cpu_start = time.perf_counter(), time.process_time()
    article = prepare(corpus)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start

    start = time.perf_counter()
    for line in corpus.splitlines():
        hazm_normalize(line)
    steps_elapsed = time.perf_counter() - start

    import hazm  # the reference: hazm's own Normalizer on the same lines

    start = time.perf_counter()
    normalizer = hazm.Normalizer(correct_spacing=False)
    hazm_build_s = time.perf_counter() - start
    start = time.perf_counter()
    for line in corpus.splitlines():
        normalizer.normalize(line)
    hazm_elapsed = time.perf_counter() - start

    throughput = size_mb / elapsed
    hazm_throughput = size_mb / hazm_elapsed
    return {
        **cold,
        "warm_up_s": round(warm_up_s, 3),
        "corpus_mb": round(size_mb, 3),
        "paragraphs": len(article.paragraphs),
        "sentences": len(article.sentences),
        "seconds": round(elapsed, 3),
        "mb_per_s": round(throughput, 3),
        "cpu_seconds": round(cpu, 3),
        "cpu_mb_per_s": round(size_mb / cpu, 3),
        "goal_mb_per_s": GOAL_MB_PER_S,
        "ratio_to_goal": round(throughput / GOAL_MB_PER_S, 3),
        "hazm_steps_mb_per_s": round(size_mb / steps_elapsed, 3),
        "hazm_normalize_mb_per_s": round(hazm_throughput, 3),
        "ratio_to_hazm_normalize": round(throughput / hazm_throughput, 3),
        "hazm_normalizer_build_s": round(hazm_build_s, 3),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--megabytes", type=float, default=5.0, help="corpus size (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the corpus")
    parser.add_argument("--runs", type=int, default=5, help="cold-start runs to take the median of")
    args = parser.parse_args()
    result = measure(args.megabytes, args.seed, args.runs)
    print(
        f"cold prepare of the seed: {result['cold_prepare_s']} s, "
        f"peak RSS {result['cold_prepare_rss_mb']} MB (+{result['cold_prepare_added_rss_mb']} MB over "
        f"a bare interpreter of {result['bare_python_rss_mb']} MB; "
        f"goal {GOAL_COLD_S} s, +{GOAL_ADDED_RSS_MB} MB); first run with the one-time build "
        f"{result['first_run_build_s']} s, {result['first_run_build_rss_mb']} MB in the builder child, "
        f"{result['first_run_own_rss_mb']} MB in the process itself; "
        f"import hazm + Normalizer alone {result['hazm_import_and_normalizer_s']} s, "
        f"{result['hazm_import_and_normalizer_rss_mb']} MB"
    )
    print(
        f"prepare: {result['corpus_mb']} MB in {result['seconds']} s = {result['mb_per_s']} MB/s "
        f"(goal {GOAL_MB_PER_S} MB/s, ratio {result['ratio_to_goal']}x; CPU {result['cpu_mb_per_s']} MB/s); "
        f"bare hazm normalize {result['hazm_normalize_mb_per_s']} MB/s "
        f"(ratio {result['ratio_to_hazm_normalize']}), the same steps from the cached tables "
        f"{result['hazm_steps_mb_per_s']} MB/s"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "text.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    failures = []
    if float(str(result["mb_per_s"])) < GOAL_MB_PER_S:
        failures.append(f"below the goal of {GOAL_MB_PER_S} MB/s")
    if float(str(result["cold_prepare_s"])) > GOAL_COLD_S:
        failures.append(f"cold prepare slower than {GOAL_COLD_S} s")
    if float(str(result["cold_prepare_added_rss_mb"])) > GOAL_ADDED_RSS_MB:
        failures.append(f"cold prepare adds more than {GOAL_ADDED_RSS_MB} MB")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
