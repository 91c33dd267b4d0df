"""Cost of the ezafe tagger: load time and memory of the compact model against the shipped one.

    python -m bench.bench_ezafe [--repeat 3]

Each measurement runs in a fresh interpreter; memory is resident set size (VmRSS) just after
the imports and just after loading, so imports are not counted. Also reports tagging speed and
precision/recall/F1 on the gold set. Prints ratios and writes bench/results/ezafe.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GOLD = ROOT / "tests" / "ezafe" / "gold.txt"

_CHILD_PRELUDE = """
import json, sys, time
from pathlib import Path
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
from narrator.text.ezafe import tokenize
from tests.ezafe_eval import read_gold
sentences = [[t.text for t in tokenize(s.text)] for s in read_gold(Path(sys.argv[1]))]
"""

SHIPPED = _CHILD_PRELUDE + """
import wapiti
from narrator.text.ezafe_model import shipped_model_path
before = rss_kib(); start = time.perf_counter()
model = wapiti.Model(model=str(shipped_model_path()))
load = time.perf_counter() - start; after = rss_kib()
start = time.perf_counter()
for words in sentences:
    model.label_sequence("\\n".join(words))
tag = time.perf_counter() - start
print(json.dumps({"load_s": load, "rss_kib": after - before, "tag_s": tag}))
"""

COMPACT = _CHILD_PRELUDE + """
from narrator.text.ezafe_model import load_compact
before = rss_kib(); start = time.perf_counter()
model = load_compact(cache_dir=Path(sys.argv[2]))
load = time.perf_counter() - start; after = rss_kib()
start = time.perf_counter()
for words in sentences:
    model.tag(words)
tag = time.perf_counter() - start
print(json.dumps({"load_s": load, "rss_kib": after - before, "tag_s": tag}))
"""


def measure(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter and read the JSON line it prints."""
    done = subprocess.run([sys.executable, "-c", code, str(GOLD), *args], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    """Fastest load of several runs (with that run's memory and tagging time)."""
    return min(runs, key=lambda r: r["load_s"])


def accuracy(cache: Path) -> dict[str, dict[str, float | int]]:
    """Precision, recall and F1 of the tagger and the rule-based baseline on the gold set."""
    from narrator.text.ezafe import load_tagger
    from tests.ezafe_baseline import rule_based_flags
    from tests.ezafe_eval import read_gold, score

    gold = read_gold(GOLD)
    tagger = load_tagger(cache_dir=cache)
    result = {"baseline": score(gold, lambda s: rule_based_flags(s.tokens)).as_dict()}
    result["tagger"] = score(gold, lambda s: tagger.flags(s.text)[1]).as_dict()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sentences = sum(1 for line in GOLD.read_text("utf-8").splitlines() if line and not line.startswith("#"))
    with tempfile.TemporaryDirectory() as cache:
        cold = measure(COMPACT, cache)  # empty cache: parse the shipped model, build, save
        warm = best([measure(COMPACT, cache) for _ in range(args.repeat)])
        cache_bytes = sum(p.stat().st_size for p in Path(cache).iterdir())
        scores = accuracy(Path(cache))
    shipped = best([measure(SHIPPED) for _ in range(args.repeat)])
    ratios = {
        "load_time": warm["load_s"] / shipped["load_s"],
        "memory": warm["rss_kib"] / shipped["rss_kib"],
        "tagging_time": warm["tag_s"] / shipped["tag_s"],
    }
    report = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "sentences": sentences,
        "shipped_libwapiti": shipped,
        "compact_first_run_build": cold,
        "compact_cached": warm,
        "compact_cache_file_bytes": cache_bytes,
        "ratios_cached_vs_shipped": ratios,
        "accuracy_on_gold": scores,
    }
    rows = [("shipped model (libwapiti)", shipped), ("compact, first run (build + cache)", cold),
            ("compact, cached", warm)]
    for name, row in rows:
        print(f"{name:36} load {row['load_s']:7.3f} s  RSS +{row['rss_kib'] / 1024:7.1f} MiB  "
              f"tag {sentences} sentences {row['tag_s']:6.3f} s")
    print(f"cached vs shipped: load time x{ratios['load_time']:.4f}, memory x{ratios['memory']:.4f}, "
          f"tagging time x{ratios['tagging_time']:.2f}; cache file {cache_bytes / 1e6:.1f} MB")
    for name, got in scores.items():
        print(f"{name:9} precision {got['precision']:.3f} recall {got['recall']:.3f} f1 {got['f1']:.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ezafe.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
