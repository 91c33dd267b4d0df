"""The user pronunciation lexicon: its format, its errors, and that it overrides every rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrator.errors import InputError
from narrator.text import load_lexicon, prepare, spoken_form


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my.lexicon"
    path.write_text(text, encoding="utf-8")
    return path


def test_word_and_pattern_entries_override_the_built_in_rules(tmp_path: Path) -> None:
    lexicon = load_lexicon(
        _write(
            tmp_path,
            "# a comment\n\nWHO\tسازمان جهانی بهداشت\n"
            "re:(\\d+)/(\\d+)/(\\d+)\tتاریخ\n"
            "كد\tرمز\n",
        )
    )
    text = "گزارش WHO در ۱۴۰۲/۰۵/۱۲ با کد"
    assert spoken_form(text) == "گزارش دابلیو\u200cاچ\u200cاو در دوازدهم مرداد هزار و چهارصد و دو با کد"
    assert spoken_form(text, lexicon) == "گزارش سازمان جهانی بهداشت در تاریخ با رمز"


def test_pattern_groups_reach_the_replacement(tmp_path: Path) -> None:
    lexicon = load_lexicon(_write(tmp_path, "re:نسخه (\\d+)\tویرایش \\1\n"))
    assert spoken_form("نسخه ۳ آمد", lexicon) == "ویرایش سه آمد"


def test_word_entries_match_whole_words_only(tmp_path: Path) -> None:
    lexicon = load_lexicon(_write(tmp_path, "کار\tشغل\n"))
    assert spoken_form("کار و کارگر", lexicon) == "شغل و کارگر"


def test_prepare_uses_the_lexicon(tmp_path: Path) -> None:
    lexicon = load_lexicon(_write(tmp_path, "اهواز\tاَهواز شهر\n"))
    article = prepare("فولاد اهواز فعال است.", lexicon=lexicon)
    assert article.sentences[0].spoken == "فولاد اَهواز شهر فعال است."
    assert article.sentences[0].written == "فولاد اهواز فعال است."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("خوب\tبد\nبدون تب\n", r"my\.lexicon:2: expected 'written<TAB>spoken'"),
        ("\tخالی\n", r"my\.lexicon:1: the written side is empty"),
        ("# c\nre:(\tx\n", r"my\.lexicon:2: bad regular expression"),
        ("re:a*\tx\n", r"my\.lexicon:1: the regular expression matches empty text"),
        ("re:(a)\t\\2\n", r"my\.lexicon:1: bad replacement"),
        ("a\tb\tc\n", r"my\.lexicon:1: more than one tab"),
    ],
)
def test_bad_lexicon_lines_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_lexicon(_write(tmp_path, text))


def test_missing_and_binary_lexicons_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the lexicon"):
        load_lexicon(tmp_path / "absent.tsv")
    path = tmp_path / "binary.tsv"
    path.write_bytes(b"\xff\xfe\xfa\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        load_lexicon(path)
