"""Caption cues a person can read: at most ``MAX_CUE_MS`` long and two lines of ``MAX_LINE`` characters,
split at word boundaries and never across a sentence, timed from the engine's word times.

Engines time the *spoken* form (numbers expanded, ezafe marks added); captions show the *written*
form. :func:`written_word_times` maps one onto the other: words that are the same in both (after
dropping marks and the ezafe's ``‌یِ``) are anchors, and the words between two anchors share the
spoken time between them in proportion to their count. Without word times the sentence's duration
is shared among its written words by their length in characters.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence

from narrator import regex
from narrator.model import Cue, WordTime

MAX_CUE_MS = 7_000
MAX_LINE = 42
MAX_LINES = 2
_MARKS = regex.compile("[\u064b-\u065f\u0670\u0654]")
_ZWNJ = "\u200c"
_NOT_LETTER = regex.compile(r"[^\w]")


def word_key(word: str) -> str:
    """What a word is compared by: letters only, without marks, ZWNJ or a written-out ezafe.

    >>> word_key("اجتماعی‌یِ") == word_key("اجتماعی،")
    True
    """
    bare = _MARKS.sub("", word)
    if bare.endswith(_ZWNJ + "ی"):
        bare = bare[:-2]
    return _NOT_LETTER.sub("", bare.replace(_ZWNJ, "")).casefold()


def written_words(text: str) -> list[str]:
    """The words of ``text`` as captions show them (split at spaces; over-long runs cut up)."""
    words: list[str] = []
    for word in text.split():
        words.extend(word[i : i + MAX_LINE] for i in range(0, len(word), MAX_LINE))
    return words


def by_characters(words: Sequence[str], duration_ms: int) -> list[WordTime]:
    """``words`` timed by their share of characters (a space counts as one) of ``duration_ms``."""
    total = sum(len(w) for w in words) + max(0, len(words) - 1)
    times: list[WordTime] = []
    at = 0
    for word in words:
        start = at
        at += len(word) + 1
        end = min(at - 1, total)
        times.append(WordTime(word, round(duration_ms * start / total), round(duration_ms * end / total)))
    return times


def _spoken_ranges(written: Sequence[str], spoken: Sequence[str]) -> list[tuple[float, float]]:
    """For each written word, the stretch of spoken word positions (0..len(spoken)) it covers."""
    matcher = difflib.SequenceMatcher(None, [word_key(w) for w in written], [word_key(s) for s in spoken],
                                      autojunk=False)
    ranges: list[tuple[float, float]] = []
    w_at = s_at = 0
    for block in matcher.get_matching_blocks():  # the last block is (len, len, 0)
        gap_w, gap_s = block.a - w_at, block.b - s_at
        for t in range(gap_w):  # unmatched written words share the unmatched spoken ones
            ranges.append((s_at + t * gap_s / gap_w, s_at + (t + 1) * gap_s / gap_w))
        ranges.extend((block.b + t, block.b + t + 1.0) for t in range(block.size))
        w_at, s_at = block.a + block.size, block.b + block.size
    return ranges


def _time_at(position: float, spoken: Sequence[WordTime]) -> float:
    """The time at a fractional spoken word position: word ``k`` spans ``k``..``k+1``."""
    index = min(int(position), len(spoken) - 1)
    word = spoken[index]
    return word.start_ms + (position - index) * (word.end_ms - word.start_ms)


def written_word_times(text: str, spoken: Sequence[WordTime], duration_ms: int) -> list[WordTime]:
    """The written words of a sentence timed from the engine's ``spoken`` word times (ms from the
    sentence start), or by character share of ``duration_ms`` when there are none."""
    words = written_words(text)
    if not words:
        return []
    if not spoken:
        return by_characters(words, duration_ms)
    times = []
    for word, (a, b) in zip(words, _spoken_ranges(words, [w.text for w in spoken]), strict=True):
        start = round(min(duration_ms, max(0.0, _time_at(a, spoken))))
        end = round(min(duration_ms, max(float(start), _time_at(b, spoken) if b > a else start)))
        times.append(WordTime(word, start, end))
    return times


def wrap(words: Sequence[str]) -> list[str]:
    """``words`` on one line if they fit ``MAX_LINE``, else on two lines as even as possible.

    >>> wrap(["یک", "دو"])
    ['یک دو']
    """
    best, _ = _break(words)
    if best is None:
        return [" ".join(words)]
    return [" ".join(words[:best]), " ".join(words[best:])]


def fits(words: Sequence[str]) -> bool:
    """Whether ``words`` fit ``MAX_LINES`` lines of ``MAX_LINE`` characters, breaking at spaces."""
    return _break(words)[1] <= MAX_LINE


def _break(words: Sequence[str]) -> tuple[int | None, int]:
    """Where :func:`wrap` breaks ``words`` (None: one line) and its longest line's length. The
    lines' lengths come from the words' lengths (no line is built): a cue grows a word at a time
    and asks again each time."""
    count = len(words)
    total = sum(len(word) for word in words) + count - 1
    if total <= MAX_LINE or count < 2:
        return None, max(0, total)
    best, longest = 1, total
    left = -1
    for i in range(1, count):  # the first line is words[:i]
        left += len(words[i - 1]) + 1
        longer = max(left, total - left - 1)
        if longer < longest:  # the first of equally even breaks, as ``min`` picks
            best, longest = i, longer
    return best, longest


def sentence_cues(start_ms: int, end_ms: int, words: Sequence[WordTime]) -> list[Cue]:
    """Caption cues for one sentence heard from ``start_ms`` to ``end_ms`` whose written ``words``
    are timed from the sentence start. Cues follow one another without gaps within the sentence;
    the first starts with it and the last ends with it. Lines are joined with ``\\n``."""
    if not words:
        return []
    total = sum(len(w.text) + 1 for w in words)
    wanted = max(math.ceil(total / (MAX_LINES * MAX_LINE)), math.ceil((end_ms - start_ms) / MAX_CUE_MS))
    target = total / max(1, wanted)  # aim for even cues rather than full ones and a short tail

    def begins(i: int) -> int:
        return start_ms if i == 0 else start_ms + words[i].start_ms

    def ends(i: int) -> int:
        return end_ms if i + 1 == len(words) else start_ms + words[i + 1].start_ms

    cues: list[Cue] = []
    first = 0
    for i in range(1, len(words) + 1):
        if i < len(words):
            group = [w.text for w in words[first : i + 1]]
            size = sum(len(t) + 1 for t in group)
            if fits(group) and ends(i) - begins(first) <= MAX_CUE_MS and size <= target * 1.1:
                continue
        group = [w.text for w in words[first:i]]
        cues.append(Cue(begins(first), max(begins(first), ends(i - 1)), "\n".join(wrap(group))))
        first = i
    return cues
