"""``narrator text --explain``: every replacement made in each sentence, and the rule behind it."""

from __future__ import annotations

import difflib

from narrator.record import record
from narrator.text.lexicon import Lexicon
from narrator.text.normalize import ZWNJ, normalize
from narrator.text.prepare import is_prose
from narrator.text.rules import Replacement
from narrator.text.sentences import split_sentences
from narrator.text.spoken import speak
from narrator.text.zwnj import repair_kind


@record
class Explained:
    """One sentence: its written and spoken forms and the replacements between them."""

    written: str
    spoken: str
    replacements: tuple[Replacement, ...]


def _normalization(raw: str, written: str) -> list[Replacement]:
    """Word-level changes that normalization made (ZWNJ repair, letters, marks)."""
    before, after = raw.split(), written.split()
    found: list[Replacement] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if a2 - a1 == b2 - b1:  # word for word: one replacement each (each repair has its kind)
            pairs = [(o, n) for o, n in zip(before[a1:a2], after[b1:b2], strict=True) if o != n]
        else:
            pairs = [(" ".join(before[a1:a2]), " ".join(after[b1:b2]))]
        for old, new in pairs:
            zwnj = old.replace(" ", "") == new.replace(ZWNJ, "").replace(" ", "") and ZWNJ in new
            rule = repair_kind(old, new) if zwnj else "normalize"
            found.append(Replacement(rule, "zwnj" if zwnj else "characters", old, new))
    return found


def explain(raw: str, lexicon: Lexicon | None = None) -> list[Explained]:
    """Each sentence of ``raw`` with its replacements; dropped lines appear with an empty spoken form."""
    explained: list[Explained] = []
    for line in (line.strip() for line in raw.splitlines()):
        if not line:
            continue
        if not is_prose(line):
            explained.append(Explained(line, "", (Replacement("non-prose", "dropped", line, ""),)))
            continue
        written_line = normalize(line)
        pending = _normalization(line, written_line)
        for written in split_sentences(written_line):
            record = [r for r in pending if r.spoken in written]
            pending = [r for r in pending if r not in record]
            spoken = speak(written, lexicon, record)
            explained.append(Explained(written, spoken, tuple(record)))
    return explained


def replacements(raw: str, lexicon: Lexicon | None = None) -> list[Replacement]:
    """Every replacement made while reading ``raw``, in order."""
    return [r for item in explain(raw, lexicon) for r in item.replacements]


def format_explanation(items: list[Explained]) -> str:
    """A readable report: each sentence written and spoken, then one line per replacement."""
    lines: list[str] = []
    for item in items:
        lines.append(f"written: {item.written}")
        lines.append(f"spoken:  {item.spoken or '(not read)'}")
        for r in item.replacements:
            lines.append(f"  [{r.category}/{r.rule}] {r.original} -> {r.spoken or '(dropped)'}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
