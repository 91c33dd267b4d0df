"""Phrase rules over the CRF's ezafe flags: names, light verbs, spaced compounds.

The part-of-speech CRF links words it sees as a noun phrase, and news trips it in a few set
places. These rules take a mark away where Persian never has one:

- between a given name and what follows it (``مسعود پزشکیان``, ``جو بایدن``), and after a
  known surname (``بایدن رئیس جمهور``: the name ends its noun phrase);
- on the noun of a compound (light) verb (``حضور یافت``) and on the word before it, which ends
  the noun phrase the verb follows (``در جلسه حضور یافت``), unless that noun is one of the
  verbs that take a linked complement (``موردِ توجه قرار گرفت``);
- on the first part of a compound written with a space (``وب سایت``).

The data files are ``data/names.txt``, ``data/surnames.txt`` and ``data/ezafe_compounds.txt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from narrator import regex
from narrator.text.names import NameLists, name_lists
from narrator.text.numbers import cardinal
from narrator.text.zwnj import frequencies

ZWNJ = "\u200c"
# Light verbs, by past and present stem. «شدن»/«گردیدن» ("become") are copulas: a whole noun
# phrase may stand before them (رئیسِ دانشگاه شد), so only their own compound nouns count.
_PAST = ("کرد", "یافت", "داد", "گرفت", "زد", "نمود", "گردید", "آورد", "خورد", "کشید", "داشت",
         "رساند", "شد")
_PRESENT = ("کن", "یاب", "ده", "گیر", "زن", "نما", "گرد", "آور", "خور", "کش", "دار", "رسان", "شو")
_COPULAS = frozenset({"شد", "شو", "گردید", "گرد"})
_HAVE = frozenset({"داشت", "دار"})
_PERSON = ("م", "ی", "د", "یم", "ید", "ند")
_PERFECT = ("", ZWNJ + "است", ZWNJ + "اند", ZWNJ + "ام", ZWNJ + "ای", ZWNJ + "ایم", ZWNJ + "اید")
# Forms that are more often other words in news: «دهم» tenth, «شدید» severe, «بدهی» debt.
_NOT_VERBS = frozenset({"دهم", "شدید", "بدهی"})
# Present stem + «ی» ends a compound noun written with a space (نتیجه گیری, لوله کشی): no ezafe
# on the word before it, but it is no verb for the word before that.
_NOMINAL = frozenset(stem + "ی" for stem in _PRESENT)
# Nouns of compound verbs that take a linked complement before them (موردِ توجه قرار گرفت).
_COMPLEMENT_NOUNS = frozenset({"قرار", "واقع"})
# Nouns of compound verbs that are linked to the noun after them (درخواستِ کمک کرد,
# ابرازِ امیدواری کرد, اعلامِ آمادگی کرد): the word before the verb's noun keeps its mark.
_LINKED = frozenset({"تبادل", "درخواست", "تقاضای", "تقاضا", "ابراز", "اظهار", "اعلام", "احساس", "طلب",
                     "جلب", "کسب", "ایجاد", "صدور", "اخذ", "ارائه", "اعطای", "اعطا"})
# Words that with «شدن» make a compound verb, not "become + noun phrase" (برگزار شد, حاضر نشد).
_PREDICATES = frozenset({"برگزار", "منتشر", "اعلام", "انجام", "تصویب", "حاضر", "موفق", "متوقف",
                         "مطرح", "پیروز", "تشکیل", "آغاز", "شروع", "تمام", "کشته", "زخمی",
                         "مجروح", "دستگیر", "بازداشت", "اجرا", "افتتاح", "تعطیل", "ارسال", "منجر",
                         "وارد", "خارج", "پخش", "ثبت", "حذف", "تبدیل", "مواجه", "روبرو"})
# Nouns that with «داشتن» make a compound verb (وجود دارد); after other nouns «دارد» is "has".
_HAVE_NOUNS = frozenset({"وجود", "قرار", "حضور", "ادامه", "نیاز", "اعتقاد", "تعلق", "اصرار",
                         "تاکید", "تأکید", "انتظار", "امکان", "دوست", "سعی", "قصد", "توجه",
                         "اطلاع", "ارتباط", "شباهت", "فاصله", "اختصاص", "جریان"})
_PREPOSITIONS = frozenset({"علیه", "مقابل", "برابر", "نزد", "برای", "روی", "سوی", "زیر", "پیش",
                           "کنار", "درباره", "بدون", "مانند", "مثل", "توسط", "طی", "بین", "میان",
                           "پس", "بعد", "قبل", "داخل", "خارج"})
_SURNAME_ENDINGS = ("ی", "پور", "زاده", "نژاد", "فر", "منش", "راد", "نیا", "کیا", "وند", "لو",
                    "یان", "زادگان", "آبادی")
_TITLES = frozenset({"آقای", "خانم", "دکتر", "مهندس", "سردار", "سرلشکر", "سرتیپ", "حجت‌الاسلام",
                     "آیت‌الله", "استاد", "شهید", "حاج", "حاجی", "سید", "سیده", "امیر", "سرهنگ"})


class Word(Protocol):
    """A token as the rules see it."""

    @property
    def text(self) -> str: ...

    @property
    def is_word(self) -> bool: ...


def _forms(past: tuple[str, ...], present: tuple[str, ...]) -> frozenset[str]:
    """The finite forms (and past participles) of verbs with these stems."""
    forms: set[str] = set()
    mi = ("می" + ZWNJ, "نمی" + ZWNJ)
    for stem in past:
        for prefix in ("", "ن", *mi):
            forms.update(prefix + stem + person for person in ("", *_PERSON[:2], *_PERSON[3:]))
        for perfect in _PERFECT:
            forms.update((stem + "ه" + perfect, "ن" + stem + "ه" + perfect))
    for stem in present:
        for prefix in ("", "ب", "ن", *mi):
            forms.update(prefix + stem + person for person in _PERSON if person != "ی")
        forms.update(prefix + stem + "ی" for prefix in ("ب", "ن", *mi))
    return frozenset(forms)


LIGHT_VERBS = _forms(_PAST, _PRESENT) - _NOT_VERBS
# Verbs after which the noun before the compound verb's noun ends its phrase (در جلسه حضور یافت).
# Only «کردن», «یافتن», «نمودن», «گرفتن»: «دادن», «زدن», «آوردن»… are as often main verbs
# whose object may stand before them (به نمایندگانِ مجلس داد).
# Participles are left out: «صورت گرفته» after a noun is an adjective (اقداماتِ صورت گرفته).
_PHRASE_ENDING = frozenset(
    form for form in _forms(("کرد", "یافت", "نمود", "گرفت"), ("کن", "یاب", "نما", "گیر"))
    if not form.endswith(("ه", ZWNJ + "ای"))
) - _NOT_VERBS
_COPULA_FORMS = _forms(tuple(_COPULAS & set(_PAST)), tuple(_COPULAS & set(_PRESENT)))
_HAVE_FORMS = _forms(tuple(_HAVE & set(_PAST)), tuple(_HAVE & set(_PRESENT)))
#: A sign read before a number belongs to the number: no ezafe between them (منفی دو درصد).
_SIGNS = frozenset({"منفی", "مثبت"})
#: The first words a cardinal can start with (zero to a billion: a number under a thousand, or a
#: scale word), and «نیم». A number under a thousand starts with the word of its units, teens,
#: tens or hundreds, so those 37 numbers give every first word the 1,000 would (a test checks).
_LEADING_NUMBERS = (*range(20), *range(20, 100, 10), *range(100, 1000, 100))
_NUMBER_WORDS = frozenset({cardinal(n).split()[0] for n in _LEADING_NUMBERS}
                          | {"هزار", "میلیون", "میلیارد", "نیم"})
_AUXILIARY = regex.compile("^(?:خواه|نخواه)(?:م|ی|د|یم|ید|ند)$")


def is_light_verb(word: str) -> bool:
    """Whether ``word`` is a form of a light verb (``کرد``, ``می‌شود``, ``یافته‌اند`` …)."""
    return word in LIGHT_VERBS


def _compound(word: str, next_word: str, lists: NameLists) -> bool:
    """Whether ``word`` and ``next_word`` are one compound written with a space (its plural too)."""
    return (word, next_word) in lists.compounds or any(
        (word, next_word[:cut]) in lists.compounds for cut in range(3, len(next_word))
    )


def _name_pair(word: str, next_word: str, previous: str, next_tag: str, lists: NameLists) -> bool:
    """Whether given name ``word`` and ``next_word`` are a name and a surname (or middle name).

    A name that is also a common word (``امید``) only after a title, before another name, or
    before a word that looks like a surname and is not tagged an adjective (``امیدِ زیادی``).
    """
    if word not in lists.ambiguous or previous in _TITLES:
        return True
    if next_word in lists.given or next_word in lists.surnames:
        return True
    return _surname_like(next_word, lists) and not next_tag.startswith("AJ")


def _common(word: str) -> bool:
    """Whether ``word`` is a common word (a compound verb's noun is; ``لگانس`` is not)."""
    return frequencies().get(word, 0.0) > 0


def _surname_like(word: str, lists: NameLists) -> bool:
    return word in lists.surnames or (len(word) > 3 and word.endswith(_SURNAME_ENDINGS))


def _verb_at(tokens: Sequence[Word], index: int) -> str:
    """The word at ``index`` (after an optional future auxiliary ``خواهد``), "" if none."""
    if index < len(tokens) and tokens[index].is_word and _AUXILIARY.match(tokens[index].text):
        index += 1
    return tokens[index].text if index < len(tokens) and tokens[index].is_word else ""


def _ends_phrase(verb: str, noun: str) -> bool:
    """Whether ``noun`` + ``verb`` is a compound verb before which a noun phrase ends."""
    if verb in _PHRASE_ENDING:
        return True
    if verb in _COPULA_FORMS:
        return noun in _PREDICATES
    return verb in _HAVE_FORMS and noun in _HAVE_NOUNS


def adjust(tokens: Sequence[Word], flags: Sequence[bool], tags: Sequence[str] | None = None,
           lists: NameLists | None = None) -> list[bool]:
    """``flags`` (the CRF's: does each token take the ezafe) with the phrase rules applied.

    ``tags`` are the CRF's part-of-speech tags: a word before an adjective (``AJ``) keeps its
    mark even before a verb (``مخاطبانِ زیادی دارد``).
    """
    lists = lists or name_lists()
    tags = tags or [""] * len(tokens)
    out = list(flags)
    count = len(tokens)
    for i, token in enumerate(tokens):
        if not out[i] or not token.is_word:
            continue
        word = token.text
        following = tokens[i + 1] if i + 1 < count else None
        next_word = following.text if following is not None and following.is_word else ""
        previous = tokens[i - 1].text if i > 0 and tokens[i - 1].is_word else ""
        next_tag = tags[i + 1] if i + 1 < count else ""
        if word in lists.given and next_word and _name_pair(word, next_word, previous, next_tag, lists):
            out[i] = False  # given name + surname (or a middle name)
        elif word in lists.surnames or (previous in lists.given and previous not in lists.ambiguous
                                        and _surname_like(word, lists)):
            out[i] = False  # a surname ends its noun phrase
        elif _compound(word, next_word, lists):
            out[i] = False
        elif word in _SIGNS and next_word in _NUMBER_WORDS:
            out[i] = False  # a negative number: منفی دو, not منفیِ دو
        elif _verb_at(tokens, i + 1) in LIGHT_VERBS or next_word in _NOMINAL:
            out[i] = False  # the noun of a compound verb (or the first part of نتیجه گیری)
        elif (next_word and next_word not in _COMPLEMENT_NOUNS and word not in _LINKED
              and word not in _PREPOSITIONS
              and (next_word in _PREDICATES or not next_tag.startswith("AJ"))
              and _common(next_word) and _ends_phrase(_verb_at(tokens, i + 2), next_word)):
            out[i] = False  # the noun phrase ends before the compound verb's noun
        elif (next_word in _LINKED and i + 2 < count
              and _ends_phrase(_verb_at(tokens, i + 3), tokens[i + 2].text)):
            out[i] = False  # ... also before a linked one (از رانندگان درخواستِ همکاری کرد)
    return out
