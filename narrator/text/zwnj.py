"""Word-safe ZWNJ repair: split a suffix or a «می» off a word only when that makes a better word.

Scraped news often drops the zero-width non-joiner: ``کارخانه‌های`` arrives as ``کارخانههای``,
``می‌شود`` as ``میشود``. Putting it back is a guess, and a wrong guess breaks a whole word
(``انتهای`` -> ``انت‌های``) that espeak-ng then reads as another word. The guess here is:

1. an allow/deny list (``data/zwnj.tsv``) settles the words it names;
2. a Persian word-frequency list (wordfreq's, which keeps ZWNJs) compares the joined form with
   each split form: a split form the list knows wins unless the joined form is far more frequent
   (then it is another word: ``میدانی``, a field, not ``می‌دانی``), and a joined form the list
   knows is never split into a form it does not know;
3. for words neither form of which the frequency list knows, hazm's word list: a word it counts
   is kept; one that reads as a word ending in «ا»/«و» plus the glide «ی»/«یی» (``انتها`` +
   ``ی``) is kept; otherwise a plural or comparative suffix is split off a stem hazm counts, and
   a verbal or possessive suffix off a silent «ه» (never off the consonant «ه» of ``راه``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
from array import array
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from narrator import regex
from narrator.atomic import write_atomic
from narrator.cache_dir import default_cache_dir
from narrator.record import record
from narrator.text.hazm_data import pack_strings, unpack_strings
from narrator.text.hazm_steps import WordLookup

ZWNJ = "\u200c"
PLURALS = ("هایشان", "هایمان", "هایتان", "هایی", "های", "ها")
COMPARATIVES = ("ترین", "تر")
SUFFIXES_ANY_STEM = (*PLURALS, *COMPARATIVES)
SUFFIXES_AFTER_HEH = ("اند", "ایم", "اید", "ای", "ام", "اش", "ات", "ی")
NON_JOINING = frozenset("آادذرزژو")  # letters that never join the next; a ZWNJ after them is moot
# A final «ه» that is the consonant /h/: after «ا»/«و» (راه، کوه) and in these words.
_CONSONANT_HEH = ("کوه", "گروه", "شکوه", "انبوه", "اندوه", "ستوه", "پژوه", "توجه", "تشابه", "فقه",
                  "شبه", "وجه", "علیه", "مه")
_GLIDE_ENDINGS = ("یی", "ی")
# Scraped and chat text often drops the ZWNJ, so the frequency list holds both spellings of one
# word (``میکنم`` about as often as ``می‌کنم``). A joined form is taken for another word only
# when it is this many times more frequent than the split one (``میدانی`` 16x ``می‌دانی``).
WHOLE_RATIO = 10.0
_FREQUENCY_FORMAT = 2  # the cache file: words as UTF-16, frequencies as doubles (1 was a marshal dict)
_MI = regex.compile(f"^(ن?می){ZWNJ}")


def consonant_heh(stem: str) -> bool:
    """Whether ``stem`` ends in a pronounced «ه» (``راه``, ``کوه``), not the silent one of ``خانه``."""
    return stem.endswith("ه") and (stem[-2:-1] in ("ا", "آ") or stem.endswith(_CONSONANT_HEH))


def join(stem: str, suffix: str) -> str:
    """``stem`` and ``suffix`` with a ZWNJ, unless the stem ends in a letter that never joins."""
    return stem + suffix if stem[-1] in NON_JOINING else stem + ZWNJ + suffix


@lru_cache(maxsize=1)
def overrides() -> dict[str, str]:
    """The allow/deny list: a word as scraped -> its repaired form (itself: never split)."""
    table: dict[str, str] = {}
    text = (Path(__file__).parent / "data" / "zwnj.tsv").read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            word, _, repaired = line.partition("\t")
            table[word] = repaired.replace("|", ZWNJ) or word
    return table


@lru_cache(maxsize=1)
def frequencies() -> Mapping[str, float]:
    """wordfreq's Persian word frequencies (forms with their ZWNJ), from the cache after run one.

    Importing wordfreq costs about 0.16 s (its language tables); narrator's cache file holds the
    words as one UTF-16 text and the frequencies as one array of doubles, read in about 9 ms (a
    ``marshal``'d dict took 13 ms, most of it decoding UTF-8 and making float objects). The
    file's name carries the size and date of wordfreq's Persian list, so a new wordfreq builds a
    new file. A cache that cannot be written is no error.
    """
    target = frequency_cache(default_cache_dir())
    if target is not None:
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            return _from_bytes(target.read_bytes())  # (a decoding error is a ValueError)
    table = _wordfreq_table()
    if target is not None:
        with contextlib.suppress(OSError, ValueError):  # ValueError: a word the format cannot hold
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, _to_bytes(table))
    return table


def _to_bytes(table: Mapping[str, float]) -> bytes:
    words = list(table)
    return marshal.dumps({
        "format": _FREQUENCY_FORMAT, "words": pack_strings(words, "\n"),
        "frequencies": array("d", (table[word] for word in words)).tobytes(),
    })


def _from_bytes(blob: bytes) -> dict[str, float]:
    """The table :func:`_to_bytes` wrote; ``ValueError`` (or a decoding error) if it is not one."""
    document = marshal.loads(blob)
    if not isinstance(document, dict) or document.get("format") != _FREQUENCY_FORMAT:
        raise ValueError("not a frequency list of this format")
    words = unpack_strings(document["words"], "\n")
    values = array("d")
    values.frombytes(document["frequencies"])
    if len(words) != len(values) or not words[0]:
        raise ValueError("the frequency list is incomplete")
    return dict(zip(words, values, strict=True))


def _wordfreq_table() -> dict[str, float]:
    """The list, through wordfreq's public API."""
    import wordfreq  # about 0.16 s; only on a run with no cached list

    return dict(wordfreq.get_frequency_dict("fa", wordlist="small"))


def frequency_cache(cache_dir: Path) -> Path | None:
    """The cache file for the installed wordfreq's Persian list (``None``: no such package)."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        return None
    try:
        stat = (Path(spec.origin).parent / "data" / "small_fa.msgpack.gz").stat()
    except OSError:
        return None
    return cache_dir / f"wordfreq-fa-{stat.st_size}-{int(stat.st_mtime)}.f{_FREQUENCY_FORMAT}"


@record
class Evidence:
    """What the repair consults: hazm's words and verbs, the frequency list, the overrides."""

    words: WordLookup
    verbs: WordLookup
    freq: Mapping[str, float]
    fixed: Mapping[str, str]

    def splits(self, word: str) -> list[str]:
        """Every way of putting one ZWNJ back before a suffix of ``word`` (changed forms only)."""
        found: list[str] = []
        for suffix in SUFFIXES_ANY_STEM:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 2 and stem[-1] not in NON_JOINING:
                found.append(stem + ZWNJ + suffix)
        for suffix in SUFFIXES_AFTER_HEH:
            stem = word[: -len(suffix)]
            if word.endswith("ه" + suffix) and len(stem) >= 2 and not consonant_heh(stem):
                found.append(stem + ZWNJ + suffix)
        return found

    def repair(self, word: str) -> str:
        """``word`` with its lost ZWNJ put back, or unchanged when it is (or may be) whole."""
        if word in self.fixed:
            return self.fixed[word]
        candidates = self.splits(word)
        if not candidates:
            return word
        freq = self.freq
        best = max(candidates, key=lambda form: freq.get(form, 0.0))
        joined, split = freq.get(word, 0.0), freq.get(best, 0.0)
        if split > 0 and joined < WHOLE_RATIO * split:
            return best
        if joined > 0:
            return word
        return self._by_word_list(word, candidates)

    def _by_word_list(self, word: str, candidates: list[str]) -> str:
        """The choice for words the frequency list does not know, from hazm's word list."""
        words = self.words
        known = words.count(word)
        if (known is not None and known > 0) or self._glide(word):
            return word
        best, best_count = word, 0
        for form in candidates:
            stem, _, suffix = form.rpartition(ZWNJ)
            if suffix in SUFFIXES_ANY_STEM and (known is None or suffix in PLURALS):
                count = words.count(stem) or 0
                if count > best_count:
                    best, best_count = form, count
        if best_count > 0 or known is not None:
            return best
        for form in candidates:
            stem, _, suffix = form.rpartition(ZWNJ)
            if suffix in SUFFIXES_AFTER_HEH and (stem in words or form in self.verbs):
                return form
        return word

    def _glide(self, word: str) -> bool:
        """Whether ``word`` reads as a word ending in «ا»/«و» plus «ی»/«یی» (``انتهای``)."""
        for ending in _GLIDE_ENDINGS:
            stem = word[: -len(ending)]
            if word.endswith(ending) and stem.endswith(("ا", "و")) and len(stem) >= 3:
                count = self.words.count(stem)
                if (count is not None and count > 0) or self.freq.get(stem, 0.0) > 0:
                    return True
        return False

    def repair_mi(self, word: str) -> str:
        """``word`` (starting «می»/«نمی») split after the prefix when the list knows that form.

        hazm's verb list misses some verbs (``میتوان``); a split form the frequency list holds,
        not far rarer than the joined form, is taken (``میدان`` has no ``می‌دان`` there).
        """
        fixed = self.fixed.get(word)
        if fixed is not None:
            return fixed
        prefix = "نمی" if word.startswith("نمی") else "می"
        if len(word) - len(prefix) < 2:
            return word
        split = prefix + ZWNJ + word[len(prefix):]
        known = self.freq.get(split, 0.0)
        return split if known > 0 and self.freq.get(word, 0.0) < WHOLE_RATIO * known else word

    def keep_joined(self, word: str, separated: str) -> bool:
        """Whether ``word`` stays whole rather than read as ``separated`` (a «می» verb form)."""
        fixed = self.fixed.get(word)
        if fixed is not None:
            return fixed == word
        joined = self.freq.get(word, 0.0)
        return joined > 0 and joined >= WHOLE_RATIO * self.freq.get(separated, 0.0)


def mi_prefixed(form: str) -> bool:
    """Whether ``form`` starts with «می‌» or «نمی‌»."""
    return bool(_MI.match(form))


def repair_kind(old: str, new: str) -> str:
    """The kind of a ZWNJ repair, for ``--explain``: ``old`` (as found) became ``new``.

    ``zwnj-join`` (a space made a ZWNJ: ``می شود``), ``zwnj-mi`` (the «می» prefix), and by the
    suffix split off: ``zwnj-plural``, ``zwnj-comparative``, ``zwnj-suffix`` (verbal or
    possessive after «ه»); ``zwnj-other`` for the rest.
    """
    if " " in old.strip() and old.count(" ") > new.count(" "):
        return "zwnj-join"
    if mi_prefixed(new) and not mi_prefixed(old) and new.count(ZWNJ) == 1:
        return "zwnj-mi"
    suffix = new.rsplit(ZWNJ, 1)[-1].rstrip(".،؛:!؟»)")
    if suffix in PLURALS:
        return "zwnj-plural"
    if suffix in COMPARATIVES:
        return "zwnj-comparative"
    if suffix in SUFFIXES_AFTER_HEH:
        return "zwnj-suffix"
    return "zwnj-other"
