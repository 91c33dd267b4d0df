"""Numbers in words: the Iranian scale, ordinals, decimals and identifiers."""

from __future__ import annotations

import num2fawords
import pytest

from narrator.text.numbers import cardinal, decimal, digit_groups, ordinal, ordinal_adjective


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "صفر"),
        (100, "صد"),
        (1000, "هزار"),
        (1100, "هزار و صد"),
        (1402, "هزار و چهارصد و دو"),
        (2000, "دو هزار"),
        (1_000_000, "یک میلیون"),
        (10**9, "یک میلیارد"),
        (10**12, "هزار میلیارد"),
        (2 * 10**12 + 5 * 10**9, "دو هزار و پنج میلیارد"),
        (10**15, "یک میلیون میلیارد"),
        (-7, "منفی هفت"),
    ],
)
def test_cardinal_uses_the_iranian_scale(value: int, words: str) -> None:
    assert cardinal(value) == words


def test_cardinal_never_says_what_num2fawords_says() -> None:
    for value in [*range(0, 3000, 7), 10**12, 10**12 + 100, 123_456_789_012]:
        words = cardinal(value)
        assert "یک هزار" not in words and "یکصد" not in words and "بیلیون" not in words


def test_cardinal_agrees_with_num2fawords_below_a_thousand_groups() -> None:
    for value in range(1, 1000):
        expected = str(num2fawords.words(value)).replace("یکصد", "صد")
        assert cardinal(value) == expected


@pytest.mark.parametrize(
    ("value", "words", "adjective"),
    [
        (1, "یکم", "یکمین"),
        (3, "سوم", "سومین"),
        (12, "دوازدهم", "دوازدهمین"),
        (21, "بیست و یکم", "بیست و یکمین"),
        (23, "بیست و سوم", "بیست و سومین"),
        (30, "سی\u200cام", "سی\u200cامین"),
        (100, "صدم", "صدمین"),
    ],
)
def test_ordinals(value: int, words: str, adjective: str) -> None:
    assert ordinal(value) == words
    assert ordinal_adjective(value) == adjective
    assert "سیم" not in ordinal(value)


@pytest.mark.parametrize(
    ("integer", "fraction", "words"),
    [
        ("2", "5", "دو و نیم"),
        ("۲", "۵", "دو و نیم"),
        ("2", "50", "دو و نیم"),
        ("0", "5", "نیم"),
        ("12", "75", "دوازده و هفتاد و پنج صدم"),
        ("8", "2", "هشت و دو دهم"),
        ("5", "671", "پنج و ششصد و هفتاد و یک هزارم"),
        ("3", "0", "سه"),
        ("1", "1234567", "یک ممیز یک دو سه چهار پنج شش هفت"),
    ],
)
def test_decimals(integer: str, fraction: str, words: str) -> None:
    assert decimal(integer, fraction) == words


@pytest.mark.parametrize(
    ("digits", "words"),
    [
        ("09121234567", "صفر نهصد و دوازده، صد و بیست و سه، چهل و پنج، شصت و هفت"),
        ("۰۲۱۸۸۷۷۶۶۵۵", "صفر بیست و یک، هشتاد و هشت، هفتاد و هفت، شصت و شش، پنجاه و پنج"),
        ("1234567", "صد و بیست و سه، چهل و پنج، شصت و هفت"),
        ("123456789", "صد و بیست و سه، چهارصد و پنجاه و شش، هفتصد و هشتاد و نه"),
    ],
)
def test_identifiers_are_read_in_groups(digits: str, words: str) -> None:
    assert digit_groups(digits) == words


def test_huge_numbers_are_read_in_groups() -> None:
    words = cardinal(10**20)
    assert words.startswith("صد، صفر صفر صفر")
