"""Reading real Persian news (issue 12, part B): golden cases per category, and properties.

Categories: Latin words and their transcript, scores versus ranges, signs and extras, calendars,
units and money, web hygiene, sentence splits. Each golden row is checked exactly; the
properties check each category's rule on generated inputs.
"""

from __future__ import annotations

import html
import string
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrator.engines.base import EngineOptions
from narrator.engines.espeak import EspeakEngine, phonemize
from narrator.text import normalize, split_sentences, spoken_form
from narrator.text.dates import JALALI, LUNAR
from narrator.text.english import english_word, from_ipa
from narrator.text.numbers import cardinal, ordinal, ordinal_adjective
from narrator.text.quantities import UNITS
from narrator.text.ranges import teams
from narrator.text.roman import roman_value

GOLDEN = Path(__file__).parent / "golden"
CATEGORIES = {"latin", "transcript", "score-range", "signs", "calendar", "units-money", "web", "sentences"}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows(name: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in (GOLDEN / name).read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            category, text, expected = line.split("\t")
            rows.append((category, text, expected))
    return rows


ROWS = _rows("news_cases.tsv")
HELD_OUT = _rows("news_cases_heldout.tsv")


def reading(category: str, text: str) -> str:
    """What a row checks: the sentence split, the transcript, or the spoken form."""
    if category == "sentences":
        return " | ".join(split_sentences(normalize(text)))
    if category == "transcript":
        return normalize(text)
    return spoken_form(text)


def test_every_category_has_at_least_ten_cases() -> None:
    counts = {c: sum(1 for row in ROWS if row[0] == c) for c in CATEGORIES}
    assert counts.pop("transcript") >= 4
    assert min(counts.values()) >= 10, counts
    assert {row[0] for row in ROWS + HELD_OUT} == CATEGORIES


@pytest.mark.parametrize(
    ("category", "text", "expected"), ROWS, ids=[f"{i}-{r[0]}" for i, r in enumerate(ROWS)]
)
def test_news_case(category: str, text: str, expected: str) -> None:
    assert reading(category, text) == expected


@pytest.mark.parametrize(
    ("category", "text", "expected"), HELD_OUT, ids=[f"held-{i}-{r[0]}" for i, r in enumerate(HELD_OUT)]
)
def test_held_out_case(category: str, text: str, expected: str) -> None:
    assert reading(category, text) == expected


def test_no_spoken_form_makes_espeak_switch_to_english() -> None:
    spoken = [spoken_form(text) for category, text, _ in ROWS + HELD_OUT if category != "sentences"]
    switched = [s for s in spoken if "(en)" in phonemize(s)]
    assert switched == []


# Latin words -----------------------------------------------------------------------------------

def test_english_pronunciation_is_spelled_in_persian_letters() -> None:
    assert from_ipa("ˈæpəl") == "اپل"
    assert from_ipa("tɹˈʌmp") == "ترامپ"
    assert from_ipa("stˈɑːɹlɪŋk") == "استارلینک"
    # The real espeak-ng English voice, not a stand-in: its IPA for an uncurated name.
    assert english_word("Netflix") == "نتفلیکس"
    assert english_word("Hunter") == "هانتر"


def test_without_espeak_a_latin_word_falls_back_to_spelling_rules() -> None:
    def broken(_: str) -> str:
        raise OSError("no libespeak-ng")

    assert english_word("Tesla", broken) is None


def test_english_readings_while_the_persian_voice_speaks_are_the_same() -> None:
    # One libespeak-ng with one current voice: the text zone's English look-ups and the engine's
    # Persian synthesis share its lock, so the English voice never leaks into the Persian audio
    # (which would be far longer: English letter names) nor Persian into the readings.
    words = ["Hunter", "Starbucks", "Disney", "Bernie", "Sanders", "Kamala", "Spotify", "Pfizer"]
    spoken = "سلام، امروز هوا خوب است."
    engine = EspeakEngine(EngineOptions())
    alone = len(engine.synthesize(spoken).pcm)
    expected = [english_word(w, lambda word: phonemize(word, "en-us")) for w in words]
    with ThreadPoolExecutor(max_workers=4) as pool:
        clips = [pool.submit(engine.synthesize, spoken) for _ in range(6)]
        readings = [pool.submit(english_word, w, lambda word: phonemize(word, "en-us")) for w in words]
        assert [f.result() for f in readings] == expected
        # espeak-ng's own output varies by a few samples from call to call, even alone.
        assert all(abs(len(f.result().pcm) - alone) < alone // 50 for f in clips)
    assert "(en)" not in phonemize(spoken)


latin_word = st.text(string.ascii_letters, min_size=1, max_size=12)


@SETTINGS
@given(latin_word, st.integers(0, 999))
def test_any_latin_word_is_read_in_persian_and_kept_in_the_transcript(word: str, number: int) -> None:
    text = f"شرکت {word} و مدل {word}-{number} معرفی شد"
    spoken = spoken_form(text)
    assert not any(ch in string.ascii_letters for ch in spoken)
    assert "(en)" not in phonemize(spoken)
    assert f"{word}-{number}" in normalize(text)  # Latin digits kept as written


TEAM = st.sampled_from(sorted(teams()))


# Scores and ranges -----------------------------------------------------------------------------

@SETTINGS
@given(st.integers(1300, 1420), st.integers(1300, 1420))
def test_a_year_range_is_read_in_increasing_order(first: int, second: int) -> None:
    low, high = sorted((first, second))
    expected = f"{cardinal(low)} {cardinal(high)}" if low == high else f"{cardinal(low)} تا {cardinal(high)}"
    assert spoken_form(f"در سال‌های {first}- {second} رخ داد") == f"در سال‌های {expected} رخ داد"


@SETTINGS
@given(st.integers(1, 9), st.booleans(), st.sampled_from(["نفر", "روز", "ساعت", "بار"]))
def test_two_consecutive_numbers_before_a_counted_noun(low: int, backwards: bool, noun: str) -> None:
    a, b = (low + 1, low) if backwards else (low, low + 1)
    assert spoken_form(f"{a}-{b} {noun} ماندند") == f"{cardinal(low)} {cardinal(low + 1)} {noun} ماندند"


@SETTINGS
@given(st.integers(0, 9), st.integers(0, 9), TEAM, TEAM)
def test_a_score_between_two_teams_keeps_its_order(a: int, b: int, home: str, away: str) -> None:
    spoken = spoken_form(f"{home} {a} - {b} {away}")
    assert spoken == f"{home} {cardinal(a)} بر {cardinal(b)} {away}"


# Signs and extras ------------------------------------------------------------------------------

@SETTINGS
@given(st.integers(1, 999), st.sampled_from(["-", "−"]), st.sampled_from(["٪", "%"]))
def test_a_negative_percentage(value: int, minus: str, percent: str) -> None:
    assert spoken_form(f"رشد {minus}{value}{percent} بود") == f"رشد منفی {cardinal(value)} درصد بود"


@SETTINGS
@given(st.integers(1, 120), st.integers(1, 15))
def test_stoppage_time(minute: int, extra: int) -> None:
    expected = f"دقیقه {cardinal(minute)} به علاوه {cardinal(extra)} گل زد"
    assert spoken_form(f"دقیقه {minute}+{extra} گل زد") == expected


@SETTINGS
@given(st.integers(1, 999), st.sampled_from(["امین", "\u200cامین", "ام"]))
def test_ordinals_from_digits(value: int, suffix: str) -> None:
    word = ordinal(value) if suffix == "ام" else ordinal_adjective(value)
    assert spoken_form(f"برای {value}{suffix} بار") == f"برای {word} بار"


# Calendars ------------------------------------------------------------------------------------

@SETTINGS
@given(st.integers(1, 31), st.sampled_from(JALALI + LUNAR))
def test_a_day_of_the_month_is_an_ordinal(day: int, month: str) -> None:
    assert spoken_form(f"از {day} {month}") == f"از {ordinal(day)} {month}"


@SETTINGS
@given(st.integers(1000, 1499), st.sampled_from([("ه.ق", "هجری قمری"), ("ه.ش", "هجری شمسی"), ("ق", "قمری")]))
def test_an_era_after_a_year(year: int, era: tuple[str, str]) -> None:
    mark, words = era
    assert spoken_form(f"در سال {year} {mark} بود") == f"در سال {cardinal(year)} {words} بود"


# Units and money ------------------------------------------------------------------------------

@SETTINGS
@given(st.integers(1, 10**6), st.sampled_from(["m/s", "km/h", "Mbps", "kg", "km", "MW", "°C"]))
def test_a_latin_unit(value: int, unit: str) -> None:
    assert spoken_form(f"به {value} {unit} رسید") == f"به {cardinal(value)} {UNITS[unit]} رسید"


@SETTINGS
@given(st.integers(1, 10**9), st.sampled_from([("$", "دلار"), ("€", "یورو"), ("£", "پوند")]))
def test_a_currency_sign_before_or_after_the_number(value: int, sign: tuple[str, str]) -> None:
    symbol, words = sign
    expected = f"قیمت {cardinal(value)} {words} است"
    grouped = f"{value:,}"
    assert spoken_form(f"قیمت {symbol}{value} است") == expected
    assert spoken_form(f"قیمت {grouped}{symbol} است") == expected
    assert spoken_form(f"قیمت {grouped.replace(',', '٬')} {symbol} است") == expected


# Web hygiene ----------------------------------------------------------------------------------

WORDS = ["خبر", "مهم", "امروز", "دولت", "مردم", "شهر", "برای"]
persian_words = st.lists(st.sampled_from(WORDS), min_size=2, max_size=6)


@SETTINGS
@given(persian_words, st.lists(st.sampled_from(["😀", "🇮🇷", "👍🏽", "❤️", "🎉"]), max_size=3))
def test_entities_and_emoji_do_not_change_the_reading(words: list[str], emoji: list[str]) -> None:
    plain = " ".join(words)
    escaped = html.escape(" ".join(words[:1] + emoji + words[1:])).replace(" ", "&nbsp;", 1)
    assert spoken_form(escaped) == spoken_form(plain)


def _roman(value: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for size, numeral in numerals:
        while value >= size:
            out, value = out + numeral, value - size
    return out


@SETTINGS
@given(st.integers(1, 30), st.sampled_from(["قرن", "سده"]))
def test_a_roman_century_is_an_ordinal(value: int, word: str) -> None:
    assert roman_value(_roman(value)) == value
    assert spoken_form(f"در {word} {_roman(value)} بود") == f"در {word} {ordinal(value)} بود"


@SETTINGS
@given(persian_words.map("_".join))
def test_a_hashtag_is_read_as_its_words(tag: str) -> None:
    assert spoken_form(f"با هشتگ #{tag} نوشتند") == f"با هشتگ {tag.replace('_', ' ')} نوشتند"


# Sentence splits ------------------------------------------------------------------------------

@SETTINGS
@given(st.lists(persian_words.map(" ".join), min_size=2, max_size=5), st.sampled_from(["...", "…"]))
def test_an_ellipsis_inside_a_paragraph_does_not_end_a_sentence(parts: list[str], ellipsis: str) -> None:
    assert len(split_sentences(normalize(f" {ellipsis} ".join(parts) + "."))) == 1


@SETTINGS
@given(st.lists(persian_words.map(" ".join), min_size=2, max_size=5), st.sampled_from(["؟!", "!؟", "؟"]))
def test_a_question_and_exclamation_ends_a_sentence(parts: list[str], mark: str) -> None:
    assert len(split_sentences(normalize(" ".join(p + mark for p in parts)))) == len(parts)
