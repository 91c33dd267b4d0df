"""Google Translate's voice through gTTS: gTTS prepares the requests, narrator sends them.

Google's endpoint takes at most 100 characters per request, so the text is cut into pieces of that
size (gTTS's pre-processors, then whole clauses packed together: :func:`split_for_google`). gTTS
packs each piece into a token-less ``batchexecute`` POST (``_package_rpc``); the answer carries the
piece's MP3 in base64 under the ``jQ1olc`` RPC id. Sending is ours, through an injected
:data:`Transport` under the shared :class:`RetryPolicy`, so timeouts and retries follow the user's
options and tests can point the engine at a stand-in server (``EngineOptions.base_url``).

Google's voice has no Persian (gTTS lists no ``fa``), so Persian is refused before any request.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from narrator.engines.base import PERSIAN_ENGINES, EngineOptions
from narrator.engines.retry import (
    HttpRequest,
    RetryPolicy,
    Transport,
    UrllibTransport,
    fetch,
    origin,
)
from narrator.errors import EngineError, EngineUnavailable
from narrator.ffmpeg import decode_audio
from narrator.model import Clip

#: Google's MP3 is 24 kHz mono; decoding at that rate avoids resampling.
SAMPLE_RATE = 24000
#: The path gTTS posts to on ``translate.google.<tld>``.
BATCHEXECUTE_PATH = "_/TranslateWebserverUi/data/batchexecute"
_PERSIAN_TAGS = frozenset({"fa", "fas", "per", "pes", "prs"})
_TLD = re.compile(r"^[a-z]{2,3}(\.[a-z]{2,3})?$")
_AUDIO = re.compile(r'jQ1olc","\[\\"(.*)\\"]')
#: gTTS's limit: Google's endpoint takes at most this many characters per request.
GOOGLE_MAX_CHARS = 100
#: Punctuation that ends a clause (Latin, Arabic-script and CJK), followed by a space.
_CLAUSE_END = re.compile(r"[.?!？！…‥,;:،؛؟。，、：)\]]+(?= )")
_NOTHING_TO_SAY = re.compile(r"^[\W_]*$")


@lru_cache(maxsize=1)
def google_languages() -> dict[str, str]:
    """The languages gTTS lists for Google's voice: IETF tag -> English name."""
    from gtts.lang import tts_langs

    langs: dict[str, str] = dict(tts_langs())
    return langs


def resolve_language(lang: str) -> str | None:
    """The gTTS tag for ``lang`` (case-insensitive, else its primary subtag), or None if unlisted.

    >>> resolve_language("EN"), resolve_language("en-US"), resolve_language("fa")
    ('en', 'en', None)
    """
    by_lower = {tag.lower(): tag for tag in google_languages()}
    wanted = lang.strip().lower()
    return by_lower.get(wanted) or by_lower.get(wanted.split("-")[0])


def persian_refusal() -> str:
    """Why this engine cannot read Persian, naming the engines that can."""
    return (
        "Google's voice has no Persian (gTTS lists no 'fa'); "
        f"engines that can speak Persian: {', '.join(PERSIAN_ENGINES)}"
    )


def parse_batchexecute(body: bytes) -> bytes:
    """The MP3 bytes in a ``batchexecute`` answer (every ``jQ1olc`` line, joined); b"" if none.

    Raises EngineError when a ``jQ1olc`` line carries no audio or audio that is not base64.
    """
    parts: list[bytes] = []
    for line in body.decode("utf-8", "replace").splitlines():
        if "jQ1olc" not in line:
            continue
        found = _AUDIO.search(line)
        if found is None:
            raise EngineError("gtts: the answer names the speech call but holds no audio")
        try:
            parts.append(base64.b64decode(found.group(1).encode("ascii"), validate=True))
        except (binascii.Error, UnicodeEncodeError) as error:
            raise EngineError(f"gtts: the audio in the answer is not base64 ({error})") from error
    return b"".join(parts)


def split_for_google(text: str, limit: int = GOOGLE_MAX_CHARS) -> list[str]:
    """Cut ``text`` into as few pieces of at most ``limit`` characters as clauses allow.

    gTTS's own pre-processors run first (tone marks, end-of-line hyphens, abbreviations). Where gTTS's
    tokenizer would send every clause alone and drop its punctuation, this packs whole clauses into
    each piece, cutting after the last clause punctuation (or else the last space) that fits, so
    Google hears the punctuation and a sentence costs fewer requests. Pieces of only punctuation
    or spaces are dropped, as gTTS drops them.

    >>> split_for_google("One, two. Three four five.", limit=12)
    ['One, two.', 'Three four', 'five.']
    """
    from gtts.tokenizer import pre_processors

    for step in (
        pre_processors.tone_marks,
        pre_processors.end_of_line,
        pre_processors.abbreviations,
        pre_processors.word_sub,
    ):
        text = str(step(text))
    rest = " ".join(text.split())
    pieces: list[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest[: limit + 1], limit)
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    pieces.append(rest)
    return [piece for piece in pieces if piece and not _NOTHING_TO_SAY.match(piece)]


def _cut_point(window: str, limit: int) -> int:
    """Where to end the next piece: after clause punctuation, else at a space, else at ``limit``."""
    clause_ends = [m.end() for m in _CLAUSE_END.finditer(window) if m.end() <= limit]
    if clause_ends and clause_ends[-1] >= limit // 3:
        return clause_ends[-1]
    space = window.rfind(" ", 1)
    return space if space > 0 else limit


@dataclass
class GttsEngine:
    """Google Translate's voice, for any language gTTS lists except the Persian it lacks.

    ``options.voice`` picks the Google host's top-level domain (``com``, ``co.uk``, ``com.au``…),
    which gives the accent; ``options.base_url`` replaces that host (tests, proxies).
    ``options.rate`` and ``options.pitch`` have no meaning for this voice and are ignored.
    """

    options: EngineOptions
    transport: Transport = field(default_factory=UrllibTransport, repr=False)
    policy: RetryPolicy | None = field(default=None, repr=False)
    name: str = "gtts"
    #: gTTS sends at most 100 characters per request; a call may need up to ten of them.
    max_chars: int = 1000

    def __post_init__(self) -> None:
        if self.policy is None:
            self.policy = RetryPolicy.from_options(self.options)

    @property
    def tld(self) -> str:
        """Top-level domain of the Google host, which sets the accent."""
        return (self.options.voice or "com").strip().lower()

    def available(self) -> str | None:
        lang = self.options.lang
        if lang.strip().lower().split("-")[0] in _PERSIAN_TAGS:
            return persian_refusal()
        if resolve_language(lang) is None:
            return (
                f"Google's voice has no language {lang!r}; gTTS lists "
                f"{len(google_languages())} languages (e.g. en, de, fr, ar, tr)"
            )
        if not _TLD.match(self.tld):
            return f"gtts voice {self.tld!r} is not a Google top-level domain such as com or co.uk"
        return None

    def settings_key(self) -> str:
        return f"gtts|lang={resolve_language(self.options.lang) or self.options.lang}|tld={self.tld}"

    def chunks(self, text: str) -> list[str]:
        """The pieces of ``text`` sent one request each (see :func:`split_for_google`)."""
        return split_for_google(text)

    def request_for(self, chunk: str) -> HttpRequest:
        """The POST gTTS would send for one piece, aimed at ``base_url`` when one is set."""
        gtts = self._gtts(chunk)
        return HttpRequest(
            method="POST",
            url=self._url(),
            headers=dict(gtts.GOOGLE_TTS_HEADERS),
            body=str(gtts._package_rpc(chunk)).encode("utf-8"),
            timeout=self.options.timeout,
        )

    def synthesize(self, text: str) -> Clip:
        """Speak ``text``: one request per piece, in order, the MP3 parts decoded and joined.

        Text with nothing to say (only spaces or punctuation) gives an empty clip, without requests.
        """
        reason = self.available()
        if reason is not None:
            raise EngineUnavailable(reason)
        if len(text) > self.max_chars:
            raise EngineError(f"gtts: text of {len(text)} characters exceeds {self.max_chars}")
        policy = self.policy or RetryPolicy.from_options(self.options)
        pcm: list[bytes] = []
        for chunk in self.chunks(text):
            request = self.request_for(chunk)
            response = fetch(request, transport=self.transport, policy=policy, label=self.name)
            mp3 = parse_batchexecute(response.body)
            if not mp3:
                raise EngineError(f"gtts: the answer from {origin(request.url)} holds no audio")
            try:
                pcm.append(decode_audio(mp3, sample_rate=SAMPLE_RATE).pcm)
            except EngineError as error:
                raise EngineError(f"gtts: {error}") from error
        return Clip(pcm=b"".join(pcm), sample_rate=SAMPLE_RATE)

    def _gtts(self, text: str) -> Any:
        from gtts import gTTS

        lang = resolve_language(self.options.lang) or self.options.lang
        return gTTS(text, tld=self.tld, lang=lang, lang_check=False)

    def _url(self) -> str:
        if self.options.base_url:
            return urllib.parse.urljoin(self.options.base_url.rstrip("/") + "/", BATCHEXECUTE_PATH)
        from gtts.utils import _translate_url

        return str(_translate_url(tld=self.tld, path=BATCHEXECUTE_PATH))
