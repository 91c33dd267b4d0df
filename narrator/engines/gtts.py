"""Google Translate's voice through gTTS's public API: ``gTTS(...).write_to_fp``.

Google's endpoint takes at most 100 characters per request. narrator cuts the text into pieces of
that size itself (gTTS's pre-processors, then whole clauses packed together:
:func:`split_for_google`) and speaks each piece with its own ``gTTS`` object, so each request is
tried again on its own under the shared :class:`RetryPolicy` (timeouts, refused connections, 429 with
its ``Retry-After`` and 5xx); a ``gTTSError`` carries the HTTP answer it failed on. gTTS sends the
requests (``requests``), builds them and reads the audio out of the answers.

Google's voice has no Persian (gTTS lists no ``fa``), so Persian is refused before any request;
the engine speaks the other languages gTTS lists (``--lang en``, ``de``, ``fr``…).
"""

from __future__ import annotations

import binascii
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from narrator.engines.base import EngineOptions, primary_language
from narrator.engines.retry import RETRYABLE_STATUSES, Retryable, RetryPolicy, parse_retry_after
from narrator.errors import EngineError, EngineUnavailable
from narrator.ffmpeg import decode_audio
from narrator.model import Clip

if TYPE_CHECKING:
    from gtts import gTTSError

#: Google's MP3 is 24 kHz mono; decoding at that rate avoids resampling.
SAMPLE_RATE = 24000
#: gTTS's limit: Google's endpoint takes at most this many characters per request.
GOOGLE_MAX_CHARS = 100
PROBE_TIMEOUT = 2.0
_TLD = re.compile(r"^[a-z]{2,3}(\.[a-z]{2,3})?$")
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
    return by_lower.get(wanted) or by_lower.get(primary_language(wanted))


def persian_refusal() -> str:
    """Why this engine cannot read Persian, naming the engines that can."""
    from narrator.engines.registry import engines_speaking

    return (
        "Google's voice has no Persian (gTTS lists no 'fa'); "
        f"engines that can speak Persian: {', '.join(engines_speaking('fa'))}"
    )


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


def _no_answer_reason(error: BaseException | None) -> str:
    """What kept a request from being answered, from the ``requests`` error behind a gTTSError."""
    import requests

    if isinstance(error, requests.Timeout):
        return "timed out"
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.strerror:
            return error.strerror.lower()
        if "refused" in str(error).lower():
            return "connection refused"
        nested = [a for a in error.args if isinstance(a, BaseException)]
        error = error.__cause__ or error.__context__ or getattr(error, "reason", None) or (
            nested[0] if nested else None)
        if not isinstance(error, BaseException):
            break
    return "could not connect"


@dataclass
class GttsEngine:
    """Google Translate's voice, for any language gTTS lists except the Persian it lacks.

    ``options.voice`` picks the Google host's top-level domain (``com``, ``co.uk``, ``com.au``…),
    which gives the accent. ``options.rate`` and ``options.pitch`` have no meaning for this voice and
    are ignored.
    """

    options: EngineOptions
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

    @property
    def host(self) -> str:
        """The Google host gTTS sends to, as messages name it."""
        return f"https://translate.google.{self.tld}"

    @property
    def online(self) -> bool:
        return True

    @property
    def languages(self) -> frozenset[str]:
        """Every language gTTS lists for Google's voice (never Persian)."""
        return frozenset(primary_language(tag) for tag in google_languages())

    @property
    def reads_through_espeak(self) -> bool:
        return False

    @property
    def voice_label(self) -> str:
        return self.options.voice or self.options.lang

    def available(self) -> str | None:
        lang = self.options.lang
        if primary_language(lang) in {"fa", "fas", "per", "pes", "prs"}:
            return persian_refusal()
        if resolve_language(lang) is None:
            return (
                f"Google's voice has no language {lang!r}; gTTS lists "
                f"{len(google_languages())} languages (e.g. en, de, fr, ar, tr)"
            )
        if not _TLD.match(self.tld):
            return f"gtts voice {self.tld!r} is not a Google top-level domain such as com or co.uk"
        return None

    def probe(self) -> str | None:
        """One HEAD request to the Google host (within two seconds): None if it answers at all."""
        import requests

        try:
            requests.head(self.host + "/", timeout=PROBE_TIMEOUT, allow_redirects=False).close()
        except requests.RequestException as error:
            return f"gtts: {self.host} is not reachable ({_no_answer_reason(error)})"
        return None

    def settings_key(self) -> str:
        return f"gtts|lang={resolve_language(self.options.lang) or self.options.lang}|tld={self.tld}"

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
        for piece in split_for_google(text):
            mp3 = policy.run(partial(self._speak, piece), label=self.name, target=self.host)
            try:
                pcm.append(decode_audio(mp3, sample_rate=SAMPLE_RATE).pcm)
            except EngineError as error:
                raise EngineError(f"gtts: {error}") from error
        return Clip(pcm=b"".join(pcm), sample_rate=SAMPLE_RATE)

    def _speak(self, piece: str) -> bytes:
        """One request: the MP3 Google returns for ``piece`` (at most 100 characters)."""
        from gtts import gTTS, gTTSError

        lang = resolve_language(self.options.lang) or self.options.lang
        tts = gTTS(piece, tld=self.tld, lang=lang, lang_check=False, pre_processor_funcs=[],
                   timeout=self.options.timeout)
        mp3 = io.BytesIO()
        try:
            tts.write_to_fp(mp3)
        except gTTSError as error:
            raise self._failure(error) from error
        except binascii.Error as error:
            raise EngineError(f"gtts: the audio from {self.host} is not base64 ({error})") from error
        if not mp3.getvalue():
            raise EngineError(f"gtts: the answer from {self.host} holds no audio")
        return mp3.getvalue()

    def _failure(self, error: gTTSError) -> Exception:
        """What a gTTSError means: try again (no answer, 429, 5xx) or stop (any other answer)."""
        response = error.rsp
        if response is None:
            return Retryable(_no_answer_reason(error.__context__), answered=False)
        status = int(response.status_code)
        described = f"HTTP {status} {response.reason or ''}".strip()
        if status in RETRYABLE_STATUSES:
            policy = self.policy or RetryPolicy.from_options(self.options)
            wait = parse_retry_after(response.headers.get("Retry-After"), now=policy.clock())
            return Retryable(described, answered=True, retry_after=wait)
        if 200 <= status < 300:
            return EngineError(f"gtts: the answer from {self.host} holds no audio")
        return EngineError(f"gtts: {self.host} refused the request ({described})")
