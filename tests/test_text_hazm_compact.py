"""hazm's normalization from the compact cached tables equals hazm's own, and costs no hazm import.

The reference is hazm itself: ``hazm.Normalizer(correct_spacing=False)`` and its word and verb
lists, loaded once for this module (about 2 s).
"""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hazm
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from narrator.text.hazm_data import (
    FORMAT_VERSION,
    HazmData,
    WordTable,
    build_hazm_data,
    cache_path,
    hazm_package_dir,
    load_hazm_data,
    save,
)
from narrator.text.hazm_steps import HazmSteps
from narrator.text.normalize import canonical_chars, normalize, renormalize, repair_zwnj, tidy_spaces
from narrator.text.web import clean, latin_digits
from narrator.text.zwnj import Evidence, frequencies, overrides

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_3a98ce0cadde2fff.txt"
GOLDEN = ROOT / "tests" / "golden" / "readings.tsv"
EZAFE_GOLD = ROOT / "tests" / "ezafe" / "gold.txt"
ZWNJ = "\u200c"


class DictLookup:
    """hazm's own word dict or verb set behind the interface the steps use."""

    def __init__(self, entries: dict[str, tuple[int, Any]] | set[str]) -> None:
        self.entries = entries

    def count(self, word: str) -> int | None:
        if word not in self.entries:
            return None
        return int(self.entries[word][0]) if isinstance(self.entries, dict) else 0

    def __contains__(self, word: object) -> bool:
        return word in self.entries


@pytest.fixture(scope="module")
def reference() -> Any:
    return hazm.Normalizer(correct_spacing=False)


@pytest.fixture(scope="module")
def data() -> HazmData:
    return build_hazm_data()


@pytest.fixture(scope="module")
def steps(data: HazmData) -> HazmSteps:
    return HazmSteps(data)


@pytest.fixture(scope="module")
def reference_steps(data: HazmData, reference: Any) -> HazmSteps:
    """The compact tables' patterns, but hazm's complete word dict and verb set."""
    return HazmSteps(data, words=DictLookup(reference._words), verbs=DictLookup(reference._verbs))


def vetoed_reference(reference: Any, data: HazmData) -> Any:
    """hazm's Normalizer, but its «می» split vetoed where narrator keeps a word whole (a noun such
    as «میدان», docs/reading.md): the split itself still uses hazm's complete verb set."""
    evidence = Evidence(data.words, data.verbs, frequencies(), overrides())
    splitter = HazmSteps(data, verbs=DictLookup(reference._verbs), keep_joined=evidence.keep_joined)
    vetoed = hazm.Normalizer(correct_spacing=False)
    vetoed.seperate_mi = splitter.seperate_mi
    return vetoed


def reference_normalize(text: str, reference: Any, reference_steps: HazmSteps) -> str:
    """``normalize`` as it was built on hazm directly: web text cleaned, hazm's normalize (with
    narrator's «می» veto), the ZWNJ repair, Latin tokens' digits put back."""
    text = _vetoed(reference, reference_steps).normalize(canonical_chars(clean(text)))
    return latin_digits(tidy_spaces(repair_zwnj(text, reference_steps)))


def reference_renormalize(text: str, reference: Any, reference_steps: HazmSteps) -> str:
    vetoed = _vetoed(reference, reference_steps)
    text = vetoed.decrease_repeated_chars(vetoed.seperate_mi(canonical_chars(text)))
    return tidy_spaces(repair_zwnj(text, reference_steps))


_VETOED: dict[int, Any] = {}


def _vetoed(reference: Any, reference_steps: HazmSteps) -> Any:
    if id(reference) not in _VETOED:
        _VETOED[id(reference)] = vetoed_reference(reference, load_hazm_data())
    return _VETOED[id(reference)]


def corpus_lines() -> Iterator[str]:
    """The seed article, both sides of every golden reading, every ezafe gold sentence."""
    yield from SEED.read_text("utf-8").splitlines()
    for line in GOLDEN.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            yield from line.split("\t")[1:]
    for line in EZAFE_GOLD.read_text("utf-8").splitlines():
        if not line.startswith("#"):
            yield line
            yield line.replace("+", "")


LINES = list(corpus_lines())


@pytest.mark.parametrize("source", ["seed", "golden", "ezafe"])
def test_fast_normalize_equals_hazm_on_the_corpora(source: str, steps: HazmSteps, reference: Any) -> None:
    path = {"seed": SEED, "golden": GOLDEN, "ezafe": EZAFE_GOLD}[source]
    lines = path.read_text("utf-8").splitlines()
    if source == "golden":
        lines = [part for line in lines if not line.startswith("#") for part in line.split("\t")[1:]]
    changed = 0
    for line in lines:
        expected = reference.normalize(line)
        assert steps.normalize(line) == expected, line
        changed += expected != line
    assert changed > 0  # hazm really did something to these lines


def test_full_normalize_equals_the_hazm_built_one(reference: Any, reference_steps: HazmSteps) -> None:
    for line in LINES:
        assert normalize(line) == reference_normalize(line, reference, reference_steps), line
        assert renormalize(line) == reference_renormalize(line, reference, reference_steps), line


# Persian-ish text: Arabic letter variants and presentation forms, diacritics, repeated letters,
# «می» verbs, lost ZWNJs, digits of every script, punctuation and hazm's ligature edge cases.
LETTERS = list("آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءأإؤئ")
VARIANTS = list("يكىةۀەہۂۃڪﻻﷲﷺ﷼﷽ﷰﷹﻵﺍﺑﻚﯾﮏ“”\u00a0\u06c0")
MARKS = list("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0654\u0655\u0640\u06d6\ufdfa")
DIGITS = list("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")
PUNCTUATION = [*".,،؛؟!:\"'«»()|…%٪٫٬-+ \n\t", "...", " ..."]
FRAGMENTS = [
    "می", "نمی", "میرود", "نمیدانم", "میگفت", "میشود", "میز", "میان", "رفته", "اند", "ای", "ام",
    "ها", "های", "هایی", "تر", "ترین", "کارخانه", "کتاب", "خانه", "برنامه", "داشته", "شده", "گفته",
    "اعلاممممم", "سلاممم", "خوووب", "ی", "ه", ZWNJ, " ", "12.5", "۱۲.۵", '"نقل"', "ﷰ|ﷹ", "(ﷰ|ﷹ)",
]  # fmt: skip
repeated = st.tuples(st.sampled_from(LETTERS), st.integers(3, 6)).map(lambda pair: pair[0] * pair[1])
persian_text = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS), st.sampled_from(LETTERS), st.sampled_from(VARIANTS),
        st.sampled_from(MARKS), st.sampled_from(DIGITS), st.sampled_from(PUNCTUATION), repeated,
        st.text(max_size=3),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=persian_text)
def test_fast_steps_equal_hazm_on_generated_text(steps: HazmSteps, reference: Any, text: str) -> None:
    assert steps.normalize(text) == reference.normalize(text)
    assert steps.seperate_mi(text) == reference.seperate_mi(text)
    assert steps.decrease_repeated_chars(text) == reference.decrease_repeated_chars(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(text="میم")  # «می» splits narrator vetoes (found by hypothesis)
@example(text="میًمیم")
@given(text=persian_text)
def test_full_normalize_equals_the_hazm_built_one_on_generated_text(
    reference: Any, reference_steps: HazmSteps, text: str
) -> None:
    assert normalize(text) == reference_normalize(text, reference, reference_steps)
    assert renormalize(text) == reference_renormalize(text, reference, reference_steps)


def test_word_table_holds_every_word_and_count_the_steps_can_ask_for(data: HazmData, reference: Any) -> None:
    single_runs = {w: entry[0] for w, entry in reference._words.items() if ZWNJ not in w and " " not in w}
    assert len(data.words) == len(single_runs) > 170_000
    for word, count in single_runs.items():
        assert data.words.count(word) == count, word
    verbs = {verb for verb in reference._verbs if " " not in verb}
    assert len(data.verbs) == len(verbs) > 40_000
    assert all(verb in data.verbs for verb in verbs)
    # Near misses are not found: a word's prefix or extension that hazm does not list.
    for word in list(single_runs)[::50]:
        for other in (word[:-1], word + "ی", word + "\u200c", word + "\n"):
            assert data.words.count(other) == (single_runs.get(other) if other in single_runs else None)
    assert data.words.count("") is None
    assert "می\u200cرود" in data.verbs and "میز" not in data.verbs


@given(st.dictionaries(st.text(alphabet="ابپ\u200cx", max_size=6), st.integers(0, 10**9), max_size=80),
       st.lists(st.text(alphabet="ابپ\u200cxy", max_size=7), max_size=40))
def test_word_table_answers_like_a_dict(counts: dict[str, int], probes: list[str]) -> None:
    table = WordTable.from_counts(counts, per_group=4)
    assert len(table) == len(counts)
    for word in [*counts, *probes]:
        assert table.count(word) == counts.get(word)
        assert (word in table) == (word in counts)


def test_word_table_refuses_words_it_cannot_store() -> None:
    with pytest.raises(ValueError):
        WordTable.from_counts({"a\nb": 1})
    with pytest.raises(ValueError):
        WordTable.from_counts({"ab": -1})


def test_data_survives_saving_and_loading(data: HazmData, tmp_path: Path) -> None:
    path = tmp_path / "hazm.marshal"
    save(data, path)
    loaded = HazmData.from_bytes(path.read_bytes())
    assert loaded.words.groups == data.words.groups and loaded.verbs.groups == data.verbs.groups
    assert marshal.loads(loaded.to_bytes()) == marshal.loads(data.to_bytes())
    assert [p.name for p in tmp_path.iterdir()] == ["hazm.marshal"]  # no temporary file left behind


def test_cache_file_is_built_once_named_after_hazm_and_reused(tmp_path: Path, data: HazmData) -> None:
    target = cache_path(tmp_path, hazm_package_dir())
    assert target.name.startswith(f"hazm-{_installed_hazm_version()}-f{FORMAT_VERSION}-")
    assert not target.exists()
    built = load_hazm_data(tmp_path, builder=build_hazm_data)
    assert target.exists() and marshal.loads(built.to_bytes()) == marshal.loads(data.to_bytes())
    # A later process reads the file and never imports hazm, nltk or scipy.
    modules = _run_and_list_modules(
        "from narrator.text.hazm_data import load_hazm_data; load_hazm_data()", tmp_path
    )
    assert not {"hazm", "nltk", "scipy"} & modules


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong format", "empty groups", "a word group",
                                    "not a document", "odd UTF-16", "no groups"])
def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, data: HazmData, damage: str) -> None:
    target = cache_path(tmp_path, hazm_package_dir())
    written = data.to_bytes()
    document = marshal.loads(written)
    if damage == "truncated":
        target.write_bytes(written[: len(written) // 2])
    elif damage == "garbage":
        target.write_bytes(b"{not marshal")
    elif damage == "wrong format":
        target.write_bytes(marshal.dumps({**document, "format": 0}))
    elif damage == "empty groups":
        target.write_bytes(marshal.dumps({**document, "words": []}))
    elif damage == "a word group":
        target.write_bytes(marshal.dumps({**document, "verbs": [7]}))
    elif damage == "odd UTF-16":
        target.write_bytes(marshal.dumps({**document, "words": document["words"][:-1]}))
    elif damage == "no groups":
        target.write_bytes(marshal.dumps({**document, "words": b""}))
    else:
        target.write_bytes(marshal.dumps(["format", FORMAT_VERSION]))
    loaded = load_hazm_data(tmp_path, builder=lambda: data)
    assert loaded is data
    assert marshal.loads(target.read_bytes()) == document


def test_an_unwritable_cache_dir_still_normalizes(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x", "utf-8")
    # The folder cannot be created (a file is in the way): the child's build cannot save, and the
    # data is built here instead.
    loaded = load_hazm_data(blocker / "cache")
    assert HazmSteps(loaded).normalize("ميرود") == "می\u200cرود"
    assert not (blocker / "cache").exists()


def test_import_does_not_load_hazm_nltk_or_scipy(tmp_path: Path) -> None:
    modules = _run_and_list_modules("import narrator.text", tmp_path)
    assert "narrator.text.normalize" in modules
    assert not {"hazm", "nltk", "scipy"} & modules


def test_a_first_and_a_later_cold_prepare_import_no_hazm(tmp_path: Path) -> None:
    """The first run builds the file in a child interpreter; no run holds hazm itself."""
    code = ("from narrator.text import prepare, decode_article; from pathlib import Path; "
            f"article = prepare(decode_article(Path({str(SEED)!r}).read_bytes(), 'seed')); "
            "assert article.sentences")
    for run in ("first run, builds", "later run, reads"):
        modules = _run_and_list_modules(code, tmp_path)
        assert "narrator.text.hazm_steps" in modules
        assert not {"hazm", "nltk", "scipy"} & modules
        hazm_file = cache_path(tmp_path, hazm_package_dir()).name
        # Beside hazm's tables, the ZWNJ repair's cached frequency list (wordfreq only builds it),
        # and the text rules' compiled patterns.
        names = sorted(path.name for path in tmp_path.iterdir())
        assert names[0] == hazm_file and len(names) == 3 and names[2].startswith("wordfreq-fa-")
        assert names[1].startswith("patterns-")
        assert run.startswith("first") or "wordfreq" not in modules


def _installed_hazm_version() -> str:
    from importlib.metadata import version

    return version("hazm")


def _run_and_list_modules(code: str, cache_dir: Path) -> set[str]:
    """Run ``code`` in a fresh interpreter with ``cache_dir`` as cache: the modules it imported,
    by full name and by top-level package."""
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "NARRATOR_CACHE_DIR": str(cache_dir)}
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True,
                            text=True, check=True)
    names: list[str] = json.loads(result.stdout.splitlines()[-1])
    return set(names) | {name.split(".")[0] for name in names}


def test_a_file_of_the_earlier_format_is_written_anew_without_a_build(tmp_path: Path, data: HazmData) -> None:
    """Format 3 kept the word groups as strings; format 4 keeps them as UTF-16 (read 25 times
    faster). An earlier narrator's file is read and saved in the new format; hazm is not needed."""
    from narrator.text.models import missing_models

    document = marshal.loads(data.to_bytes())
    earlier = {**document, "format": 3, "words": data.words.groups, "verbs": data.verbs.groups}
    cache_path(tmp_path, hazm_package_dir(), 3).write_bytes(marshal.dumps(earlier))
    assert "word tables" not in missing_models(False, tmp_path), "no build to announce"

    def no_build() -> HazmData:
        raise AssertionError("rebuilt from hazm")

    loaded = load_hazm_data(tmp_path, builder=no_build)
    assert loaded.words.groups == data.words.groups and loaded.verbs.groups == data.verbs.groups
    assert marshal.loads(cache_path(tmp_path, hazm_package_dir()).read_bytes()) == document
    assert isinstance(document["words"], bytes) and document["format"] == FORMAT_VERSION == 4

