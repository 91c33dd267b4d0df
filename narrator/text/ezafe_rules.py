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

import re
from collections.abc import Sequence
from typing import Protocol

from narrator.text.names import NameLists, name_lists

ZWNJ = "\u200c"
# Light verbs: past and present stems. Copulas (است, بود, شد) only end a compound verb's noun.
_LIGHT_STEMS = ("کرد", "کن", "یافت", "یاب", "داد", "ده", "گرفت", "گیر", "زد", "زن", "نمود",
                "نما", "گردید", "گرد", "آورد", "آور", "خورد", "خور", "کشید", "کش",
                "داشت", "دار", "رساند", "رسان", "شد", "شو")
_COPULAS = frozenset({"شد", "شو", "گردید", "گرد"})
_ENDINGS = ("", "م", "ی", "د", "یم", "ید", "ند", "ه", "ن", "ست")
_PERFECT = ("", ZWNJ + "است", ZWNJ + "اند", ZWNJ + "ام", ZWNJ + "ای", " است", " اند", ZWNJ + "ایم")
# Nouns of compound verbs that take a linked complement before them (موردِ توجه قرار گرفت).
_COMPLEMENT_NOUNS = frozenset({"قرار", "واقع"})
# Nouns of compound verbs that are linked to the noun after them (درخواستِ کمک کرد,
# ابرازِ امیدواری کرد, اعلامِ آمادگی کرد): the word before the verb's noun keeps its mark.
_LINKED = frozenset({"درخواست", "تقاضای", "تقاضا", "ابراز", "اظهار", "اعلام", "احساس", "طلب",
                     "جلب", "کسب", "ایجاد", "صدور", "اخذ", "ارائه", "اعطای", "اعطا"})
# Words that with «شدن» make a compound verb, not "become + noun phrase" (برگزار شد, حاضر نشد).
_PREDICATES = frozenset({"برگزار", "منتشر", "اعلام", "انجام", "تصویب", "حاضر", "موفق", "متوقف",
                         "مطرح", "پیروز", "تشکیل", "آغاز", "شروع", "تمام", "کشته", "زخمی",
                         "مجروح", "دستگیر", "بازداشت", "اجرا", "افتتاح", "تعطیل", "ارسال", "منجر",
                         "وارد", "خارج", "پخش", "ثبت", "حذف", "تبدیل", "مواجه", "روبرو"})
_PREPOSITIONS = frozenset({"برای", "روی", "سوی", "زیر", "پیش", "کنار", "درباره", "بدون", "مانند",
                           "مثل", "توسط", "طی", "بین", "میان", "پس", "بعد", "قبل", "داخل", "خارج"})
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


def _light_verb_forms_of(stems: tuple[str, ...]) -> frozenset[str]:
    forms: set[str] = set()
    for stem in stems:
        for ending in _ENDINGS:
            for prefix in ("", "ن", "ب", "می" + ZWNJ, "نمی" + ZWNJ):
                forms.add(prefix + stem + ending)
        for perfect in _PERFECT:
            forms.add(stem + "ه" + perfect)
            forms.add("ن" + stem + "ه" + perfect)
    return frozenset(forms)


LIGHT_VERBS = _light_verb_forms_of(_LIGHT_STEMS)
_NOT_COPULA = frozenset(_light_verb_forms_of(tuple(s for s in _LIGHT_STEMS if s not in _COPULAS)))
_AUXILIARY = re.compile("^(?:خواه|نخواه)(?:م|ی|د|یم|ید|ند)$")


def is_light_verb(word: str) -> bool:
    """Whether ``word`` is a form of a light verb (``کرد``, ``می‌شود``, ``یافته‌اند`` …)."""
    return word in LIGHT_VERBS


def _compound(word: str, next_word: str, lists: NameLists) -> bool:
    """Whether ``word`` and ``next_word`` are one compound written with a space (its plural too)."""
    return (word, next_word) in lists.compounds or any(
        (word, next_word[:cut]) in lists.compounds for cut in range(3, len(next_word))
    )


def _surname_like(word: str, lists: NameLists) -> bool:
    return word in lists.surnames or (len(word) > 3 and word.endswith(_SURNAME_ENDINGS))


def _verb_at(tokens: Sequence[Word], index: int, copula: bool = True) -> bool:
    """A light verb at ``index`` (after an optional future auxiliary ``خواهد``).

    ``copula=False`` leaves out «شدن»/«گردیدن» ("become"), after which a whole noun phrase may
    stand (``رئیسِ دانشگاه شد``).
    """
    if index < len(tokens) and tokens[index].is_word and _AUXILIARY.match(tokens[index].text):
        index += 1
    if index >= len(tokens) or not tokens[index].is_word:
        return False
    word = tokens[index].text
    return word in LIGHT_VERBS if copula else word in _NOT_COPULA


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
        if word in lists.given and next_word and (
            word not in lists.ambiguous or previous in _TITLES
            or next_word in lists.given or _surname_like(next_word, lists)
        ):
            out[i] = False  # given name + surname (or a middle name)
        elif word in lists.surnames or (previous in lists.given and previous not in lists.ambiguous
                                        and _surname_like(word, lists)):
            out[i] = False  # a surname ends its noun phrase
        elif _compound(word, next_word, lists):
            out[i] = False
        elif _verb_at(tokens, i + 1):
            out[i] = False  # the noun of a compound verb
        elif (next_word and next_word not in _COMPLEMENT_NOUNS and word not in _LINKED
              and word not in _PREPOSITIONS
              and (next_word in _PREDICATES or not tags[i + 1].startswith("AJ"))
              and _verb_at(tokens, i + 2, copula=next_word in _PREDICATES)):
            out[i] = False  # the noun phrase ends before the compound verb's noun
        elif next_word in _LINKED and _verb_at(tokens, i + 3, copula=False):
            out[i] = False  # ... also before a linked one (از رانندگان درخواستِ همکاری کرد)
    return out
