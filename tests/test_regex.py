"""Patterns compiled once per installation: each one, read back, is the pattern re.compile makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Prepares a few real articles (every rule runs), then reports what the pattern file holds.
FIRST = """
import json, sys
from narrator import regex
from narrator.text import prepare
from tests.news_corpus import articles
for article in articles()[:6]:
    prepare(article.text)
regex.save()
known = regex._loaded()
print(json.dumps({"count": len(known), "path": str(regex.store_path())}))
"""

#: A later run: every pattern must come from the file (none compiled afresh) and behave exactly as
#: re.compile's own on real text.
SECOND = """
import json, re, sys
from narrator import regex
fresh = []
original = regex._compiled
def counting(pattern, flags):
    fresh.append(pattern)
    return original(pattern, flags)
regex._compiled = counting
from narrator.text import prepare
from tests.news_corpus import articles
texts = [a.text for a in articles()[:12]]
for text in texts[:6]:
    prepare(text)
differences = []
for (pattern, flags) in list(regex._loaded()):
    ours, theirs = regex.compile(pattern, flags), re.compile(pattern, flags)
    same = (ours.pattern, ours.flags, ours.groups, dict(ours.groupindex)) == (
        theirs.pattern, theirs.flags, theirs.groups, dict(theirs.groupindex))
    for text in texts:
        same = same and [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)]
        same = same and ours.sub("#", text) == theirs.sub("#", text)
    if not same:
        differences.append(pattern)
print(json.dumps({"fresh": fresh, "differences": differences, "checked": len(regex._loaded())}))
"""


def _run(script: str, cache: Path) -> dict[str, object]:
    env = dict(os.environ, NARRATOR_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=ROOT, env=env)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_later_run_takes_every_pattern_from_the_file_and_each_matches_as_re_does(tmp_path: Path) -> None:
    first = _run(FIRST, tmp_path)
    assert isinstance(first["count"], int) and first["count"] > 100, "the text rules' patterns are kept"
    assert Path(str(first["path"])).is_file()
    second = _run(SECOND, tmp_path)
    assert second["fresh"] == [], "nothing compiled afresh for the same articles"
    assert second["differences"] == []
    assert isinstance(second["checked"], int) and second["checked"] >= first["count"]


def test_a_damaged_file_is_compiled_afresh(tmp_path: Path) -> None:
    first = _run(FIRST, tmp_path)
    path = Path(str(first["path"]))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    second = _run(SECOND, tmp_path)
    assert second["differences"] == []
    assert isinstance(second["fresh"], list) and len(second["fresh"]) > 100, "the damaged file was not used"


#: Compiles the patterns named on the command line, the file capped at three patterns.
CAPPED = """
import json, sys
from narrator import regex
regex.MAX_PATTERNS = 3
for word in sys.argv[1:]:
    regex.compile(word + "[0-9]+")
regex.save()
print(json.dumps({"kept": sorted(p for p, _ in regex._read(regex.store_path()))}))
"""


def test_past_its_cap_the_file_keeps_only_what_the_last_run_used(tmp_path: Path) -> None:
    env = dict(os.environ, NARRATOR_CACHE_DIR=str(tmp_path))

    def run(*words: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", CAPPED, *words], capture_output=True, text=True,
                              check=True, cwd=ROOT, env=env)
        kept: list[str] = json.loads(done.stdout)["kept"]
        return kept

    assert run("a", "b") == ["a[0-9]+", "b[0-9]+"]
    assert run("c") == ["a[0-9]+", "b[0-9]+", "c[0-9]+"], "within the cap, earlier patterns stay"
    assert run("d", "e") == ["d[0-9]+", "e[0-9]+"], "past it, only this run's"
