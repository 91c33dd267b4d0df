"""Throughput of the Persian text preprocessor on a generated news corpus.

    python -m bench.bench_text [--megabytes 5] [--seed 1]

The corpus is generated in the run (never committed) from the seed article and the golden news
sentences, with their numbers re-drawn at random so no two paragraphs are alike. ``prepare`` reads
it on one core (hazm's one-time load is measured apart). Prints MB/s, the ratio to the 1 MB/s goal
and to bare hazm normalization of the same text, and writes bench/results/text.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
import time
from pathlib import Path

from narrator.text import prepare
from narrator.text.normalize import _hazm

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = ROOT / "tests" / "golden" / "readings.tsv"
RESULTS = ROOT / "bench" / "results"
GOAL_MB_PER_S = 1.0
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


def measure(megabytes: float, seed: int) -> dict[str, object]:
    start = time.perf_counter()
    normalizer = _hazm()
    load_s = time.perf_counter() - start
    prepare("گرم کردن ۱۲٫۵٪ WHO در ۱۴۰۲/۰۵/۱۲.")  # builds the rule tables once

    corpus = generate_corpus(megabytes, seed)
    size_mb = len(corpus.encode("utf-8")) / 1_000_000

    start, cpu_start = time.perf_counter(), time.process_time()
    article = prepare(corpus)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start

    start = time.perf_counter()
    for line in corpus.splitlines():
        normalizer.normalize(line)
    hazm_elapsed = time.perf_counter() - start

    throughput = size_mb / elapsed
    hazm_throughput = size_mb / hazm_elapsed
    return {
        "corpus_mb": round(size_mb, 3),
        "paragraphs": len(article.paragraphs),
        "sentences": len(article.sentences),
        "seconds": round(elapsed, 3),
        "mb_per_s": round(throughput, 3),
        "cpu_seconds": round(cpu, 3),
        "cpu_mb_per_s": round(size_mb / cpu, 3),
        "goal_mb_per_s": GOAL_MB_PER_S,
        "ratio_to_goal": round(throughput / GOAL_MB_PER_S, 3),
        "hazm_normalize_mb_per_s": round(hazm_throughput, 3),
        "ratio_to_hazm_normalize": round(throughput / hazm_throughput, 3),
        "hazm_load_s": round(load_s, 3),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--megabytes", type=float, default=5.0, help="corpus size (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the corpus")
    args = parser.parse_args()
    result = measure(args.megabytes, args.seed)
    print(
        f"prepare: {result['corpus_mb']} MB in {result['seconds']} s = {result['mb_per_s']} MB/s "
        f"(goal {GOAL_MB_PER_S} MB/s, ratio {result['ratio_to_goal']}x; CPU {result['cpu_mb_per_s']} MB/s); "
        f"bare hazm normalize {result['hazm_normalize_mb_per_s']} MB/s "
        f"(ratio {result['ratio_to_hazm_normalize']}); hazm load {result['hazm_load_s']} s"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "text.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    ok = float(str(result["mb_per_s"])) >= GOAL_MB_PER_S
    if not ok:
        print(f"FAIL: below the goal of {GOAL_MB_PER_S} MB/s", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
