"""Write the ezafe, Persian's unwritten linking vowel, so that espeak-ng (and Piper) say it.

``قیمت نفت خام`` is read *qeymat-e naft-e xām*; the ``-e`` is not written, and espeak-ng does
not predict it. :class:`EzafeTagger` finds the words that take it with the part-of-speech CRF of
``gruut-lang-fa`` (tags ending in ``e``) and :func:`ezafe_form` writes the mark espeak-ng reads:

>>> ezafe_form("قیمت") == "قیمت\u0650", ezafe_form("خانه") == "خانه\u0654"
(True, True)

Only marks are added: every other character, punctuation and space of the sentence is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from narrator import regex
from narrator.blobcache import BlobCache
from narrator.errors import NarratorError
from narrator.model import Article, Paragraph
from narrator.record import record
from narrator.text.ezafe_model import (
    CompactCrf,
    ModelFormatError,
    cache_path,
    load_compact,
    shipped_model_path,
)
from narrator.text.ezafe_rules import adjust
from narrator.text.normalize import hazm_steps

KASRA = "\u0650"
HAMZA_ABOVE = "\u0654"
ZWNJ = "\u200c"
YEH = "\u06cc"
_WORD = regex.compile(r"(?:[^\W_]|[\u064b-\u065f\u0670\u200c\u200d])+")
_TOKEN = regex.compile(_WORD.pattern + r"|[^\s]")
_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0654"

# Final ه that is the consonant /h/ (not the silent ه of خانه): after ا/آ always (راه, دانشگاه),
# otherwise only in these words (کوه, گروه, توجه …); compounds ending in them count too.
_CONSONANT_HEH = ("کوه", "گروه", "شکوه", "انبوه", "اندوه", "ستوه", "پژوه", "توجه", "تشابه",
                  "تنبه", "فقه", "شبه", "وجه", "علیه", "کنه", "ابله", "مه")
# Final و that is the consonant /v/ or the diphthong /ow/ (گاو, پرتو), not the vowel /u/ /o/.
_CONSONANT_VAV = frozenset({"گاو", "ناو", "پرتو", "نو", "جلو", "خسرو", "سرو", "پیشرو", "رهرو",
                            "جو", "دو", "عضو", "محو", "نحو", "لغو", "جزو", "سهو", "عفو", "غلو"})
# Final ی that is the consonant /y/ after a consonant (سعی sa'y): a kasra is enough.
_CONSONANT_YEH = frozenset({"سعی", "نفی", "وحی", "رأی", "رای", "طی", "مشی", "نهی", "دی", "پی",
                            "نی", "ری", "کی", "حی", "شی", "وی", "هی"})
# Final وی read /uy/ (روی, سوی): the glide is written, espeak-ng already says -ye.
_GLIDE_UY = frozenset({"روی", "سوی", "موی", "بوی", "جوی", "گوی", "کوی", "خوی"})
_GLIDE_UY_ENDINGS = ("جوی", "گوی")
# Written glides that espeak-ng's dictionary reads without the -e (همتای hamtāy): add a kasra.
_GLIDE_WITHOUT_E = frozenset({"همتای"})


def ezafe_form(word: str) -> str:
    """``word`` with the written ezafe that espeak-ng pronounces, by how the word ends.

    Consonant: kasra (``قیمتِ``). Silent ه: hamza above (``خانهٔ``). ا or vowel و: ی
    (``آقای``, ``دانشجوی``). Pronounced ی /i/: ZWNJ + ی + kasra (``ایرانی‌یِ``). A glide
    already written (``آقای``, ``کشورهای``, ``روی``) or a mark already there: unchanged.
    """
    if not word or word[-1] in _MARKS or word.endswith("ۀ"):
        return word
    last = word[-1]
    before = word[-2] if len(word) > 1 else " "
    if last == "ه":
        if before in "اآ" or word.endswith(_CONSONANT_HEH):
            return word + KASRA
        return word + HAMZA_ABOVE
    if last in "اآ":
        return word + YEH
    if last == "و":
        return word + (KASRA if word in _CONSONANT_VAV else YEH)
    if last in (YEH, "ي"):
        if word in _GLIDE_WITHOUT_E or word in _CONSONANT_YEH:
            return word + KASRA
        if before == ZWNJ and word[:-2].endswith("ه"):  # ezafe already written: توسعه‌ی
            return word
        if before in "اآ" or word in _GLIDE_UY or word.endswith(_GLIDE_UY_ENDINGS):
            return word
        if before == "و" and _written_glide(word):  # ezafe already written: نیروی, بازوی
            return word
        return word + ZWNJ + YEH + KASRA
    return word + KASRA


def _written_glide(word: str) -> bool:
    """Whether ``word`` (ending «وی») is a word ending in the vowel «و» plus a written ezafe.

    ``نیروی`` is ``نیرو`` + ezafe (no second mark); ``معنوی`` is one word (it takes one).
    """
    stem = word[:-1]
    if stem in _CONSONANT_VAV or len(stem) < 3:
        return False
    count = hazm_steps().words.count(stem)
    return count is not None and count > 0


@record
class Token:
    """A word or punctuation mark of a sentence, with where it ends in the sentence."""

    text: str
    end: int
    is_word: bool


def tokenize(sentence: str) -> list[Token]:
    """Words (letters, diacritics, ZWNJ inside) and single punctuation marks, in order."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(sentence):
        text = match.group(0)
        is_word = bool(_WORD.fullmatch(text))
        if is_word and text.endswith((ZWNJ, "\u200d")):  # a stray joiner is not part of the word
            stripped = text.rstrip(ZWNJ + "\u200d")
            tokens.append(Token(stripped, match.start() + len(stripped), bool(stripped)))
        else:
            tokens.append(Token(text, match.end(), is_word))
    return [t for t in tokens if t.text]


def apply_marks(sentence: str, tokens: Sequence[Token], flags: Sequence[bool]) -> str:
    """``sentence`` with :func:`ezafe_form` applied to each token whose flag is set."""
    pieces: list[str] = []
    position = 0
    for token, flag in zip(tokens, flags, strict=True):
        if not flag or not token.is_word:
            continue
        start = token.end - len(token.text)
        pieces.append(sentence[position:start])
        pieces.append(ezafe_form(token.text))
        position = token.end
    pieces.append(sentence[position:])
    return "".join(pieces)


def is_ezafe_tag(tag: str) -> bool:
    """True for the tagger's ezafe labels (``Ne``, ``AJe``, ``Pe``, ``NUMe`` …)."""
    return len(tag) > 1 and tag.endswith("e") and tag[:-1].isupper()


def _crf(tokens: Sequence[Token], tags: Sequence[str]) -> list[bool]:
    return [t.is_word and is_ezafe_tag(tag) for t, tag in zip(tokens, tags, strict=True)]


@record
class EzafeTagger:
    """Marks the ezafe in a sentence using the part-of-speech CRF."""

    model: CompactCrf
    identity: str = ""  # names the model and the code that marks: what a cached mark depends on

    def flags(self, sentence: str) -> tuple[list[Token], list[bool]]:
        """The sentence's tokens and, for each, whether it takes the ezafe.

        The CRF's tags, then the phrase rules of :func:`narrator.text.ezafe_rules.adjust`.
        """
        tokens = tokenize(sentence)
        tags = self.model.tag([t.text for t in tokens])
        return tokens, adjust(tokens, _crf(tokens, tags), tags)

    def crf_flags(self, sentence: str) -> tuple[list[Token], list[bool]]:
        """The sentence's tokens and the CRF's own ezafe flags (no phrase rules)."""
        tokens = tokenize(sentence)
        return tokens, _crf(tokens, self.model.tag([t.text for t in tokens]))

    def mark(self, sentence: str) -> str:
        """The sentence with the written ezafe added to each word that takes it.

        For example ``"قیمت نفت خام بالا رفت."`` becomes ``"قیمتِ نفتِ خام بالا رفت."``.
        """
        tokens, flags = self.flags(sentence)
        return apply_marks(sentence, tokens, flags)


class EzafeUnavailable(NarratorError, RuntimeError):
    """The ezafe tagger cannot be loaded; the message is one line saying why (narration goes on
    without the ezafe)."""


@lru_cache(maxsize=4)
def _load(source: Path | None, cache_dir: Path | None) -> EzafeTagger | EzafeUnavailable:
    try:
        model = load_compact(source, cache_dir)
        return EzafeTagger(model, _identity(source or shipped_model_path()))
    except ModuleNotFoundError:
        return EzafeUnavailable(
            "ezafe is off: the gruut-lang-fa package (its part-of-speech model) is not installed"
        )
    except (OSError, ModelFormatError, MemoryError) as exc:
        return EzafeUnavailable(f"ezafe is off: the part-of-speech model could not be loaded ({exc})")


def _identity(source: Path) -> str:
    """The model file (its path, size and time) and the source of the modules that mark with it."""
    found = hashlib.sha256(cache_path(source, Path()).name.encode())
    for name in _MARKING_MODULES:
        found.update((Path(__file__).parent / name).read_bytes())
    return found.hexdigest()


_MARKING_MODULES = ("ezafe.py", "ezafe_rules.py", "ezafe_model.py", "normalize.py")
_MARK_KIND = "ezafe"


def load_tagger(source: Path | None = None, cache_dir: Path | None = None) -> EzafeTagger:
    """The ezafe tagger; ``EzafeUnavailable`` saying why there is none.

    The first call builds a compact model from ``source`` (default: gruut-lang-fa's
    ``pos/postagger.model``) into ``cache_dir`` (default: ``$NARRATOR_CACHE_DIR`` or the user
    cache dir); later calls and later runs load that in milliseconds. Results (failures too) are
    memoized.
    """
    loaded = _load(source, cache_dir)
    if isinstance(loaded, EzafeUnavailable):
        raise loaded
    return loaded


EZAFE_MODES = ("auto", "on", "off")


def wants_ezafe(mode: str, reads_through_espeak: bool) -> bool:
    """Whether ``--ezafe mode`` marks the ezafe for an engine; ``auto`` marks it when espeak-ng
    reads for the engine (espeak-ng does not predict the ezafe itself).

    >>> wants_ezafe("auto", True), wants_ezafe("auto", False), wants_ezafe("on", False)
    (True, False, True)
    """
    if mode not in EZAFE_MODES:
        raise ValueError(f"ezafe mode must be one of {', '.join(EZAFE_MODES)}, not {mode!r}")
    return mode == "on" or (mode == "auto" and reads_through_espeak)


def mark_article(article: Article, tagger: EzafeTagger, cache: BlobCache | None = None) -> Article:
    """``article`` with the ezafe marked in every spoken form; written forms stay as they were.

    With a ``cache``, each sentence's marks are kept there (under the tagger's identity), so a
    re-narration tags only the sentences that changed.
    """
    return replace(
        article,
        paragraphs=tuple(
            Paragraph(tuple(replace(s, spoken=_marked(tagger, s.spoken, cache)) for s in p.sentences))
            for p in article.paragraphs
        ),
    )


def _marked(tagger: EzafeTagger, sentence: str, cache: BlobCache | None) -> str:
    if cache is None or not tagger.identity:
        return tagger.mark(sentence)
    key = BlobCache.key("ezafe-marks", tagger.identity, sentence)
    stored = cache.get(key, _MARK_KIND)
    if stored is not None:
        with contextlib.suppress(UnicodeDecodeError):
            return stored.decode("utf-8")
    marked = tagger.mark(sentence)
    cache.put(key, _MARK_KIND, marked.encode("utf-8"))
    return marked
