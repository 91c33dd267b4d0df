"""The same batch on a local Dask cluster (``--dask local:2``) against the process pool (``-j 2``).

    python -m bench.bench_cluster [--articles 20]

On one machine the two should be at parity: the point of ``--dask`` is that the same command spans
machines. Both runs start from an empty synthesis cache, so each narrates every sentence. Prints the
times and their ratio, and writes bench/results/cluster.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bench.bench_speed import RESULTS, SEED, run


def batch(folder: Path, count: int) -> Path:
    """``count`` distinct articles made from the seed's paragraphs (numbered, so none is cached)."""
    paragraphs = [p for p in SEED.read_text("utf-8").splitlines() if p.strip()]
    folder.mkdir(parents=True)
    for n in range(count):
        lines = [f"خبر {n + 1}", *(f"بند {k + 1} از خبر {n + 1}: {p}" for k, p in enumerate(paragraphs[1:4]))]
        (folder / f"article_{n:03d}.txt").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def measure(articles: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs = batch(root / "in", articles)
        times: dict[str, float] = {}
        for label, extra in (("jobs_2", ["-j", "2"]), ("dask_local_2", ["--dask", "local:2"])):
            env = {**os.environ, "NARRATOR_CACHE_DIR": str(root / f"cache-{label}")}
            warm = [sys.executable, "-m", "narrator", "text", str(SEED)]  # models built outside the timing
            run(warm, env)
            command = [sys.executable, "-m", "narrator", "narrate", "-q", "--engine", "espeak",
                       str(inputs), "-o", str(root / label), *extra]
            times[label] = run(command, env)[0]
    return {"articles": articles, **times, "dask_vs_jobs": times["dask_local_2"] / times["jobs_2"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    results = measure(parser.parse_args().articles)
    print(f"{results['articles']} articles: -j 2 {results['jobs_2']:.1f} s, "
          f"--dask local:2 {results['dask_local_2']:.1f} s, ratio {results['dask_vs_jobs']:.2f}x")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cluster.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
