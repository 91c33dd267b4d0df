"""README.fa.md: the same two commands as README.md, and mostly Persian text."""

from __future__ import annotations

import re

from tests.conftest import ROOT

FENCE = re.compile(r"```sh\n(.*?)```", re.S)


def test_persian_readme_holds_the_two_commands_and_is_mostly_persian() -> None:
    english = (ROOT / "README.md").read_text("utf-8")
    persian = (ROOT / "README.fa.md").read_text("utf-8")
    first_two = FENCE.findall(english)[:2]
    assert len(first_two) == 2
    for block in first_two:
        assert f"```sh\n{block}```" in persian
    assert "(README.fa.md)" in english
    letters = re.findall(r"[\u0600-\u06ffA-Za-z]", persian)
    share = sum(1 for c in letters if c >= "\u0600") / len(letters)
    assert share > 0.7, share


def test_both_readmes_show_the_voice_step() -> None:
    """Issue 16: README and README.fa.md show how to get a natural voice."""
    for name in ("README.md", "README.fa.md"):
        text = (ROOT / name).read_text("utf-8")
        assert "narrator voices download fa_IR-gyro-medium" in text, name
        assert "narrator voices list" in "".join(FENCE.findall(text)), name
