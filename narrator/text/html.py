"""Web pages in: recognizing HTML, finding its character set, and extracting the article with
trafilatura (headline, paragraphs, date, author, site), leaving out navigation, related links,
comments, footers and scripts."""

from __future__ import annotations

import codecs
import logging
import re

from narrator import regex
from narrator.errors import InputError
from narrator.record import record

_SNIFF_BYTES = 2048
#: Fewer words than this besides the headline is not an article but a page's leftovers (a menu, a
#: copyright line): trafilatura falls back to whatever text a page has when it finds no article.
MIN_ARTICLE_WORDS = 12
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)
_HTML_TAG = re.compile(rb"<(?:html|head|body|meta|title|div|p|article)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(rb"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Their complaints about odd pages must not reach stderr through logging's last-resort handler:
# narrator says what went wrong in one line. An application that configures logging still sees them.
for _logger in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
    logging.getLogger(_logger).addHandler(logging.NullHandler())
_LINE_SPACE = regex.compile(r"[ \t\u00a0]+")
#: trafilatura drops every character Python calls unprintable, and the zero-width non-joiner that
#: Persian writes inside words (``می‌شود``, ``بهره‌برداری``) is one. It is swapped for a printable
#: stand-in (a letter of the Adlam script, which a Persian page does not use) before extraction and
#: swapped back after; the entity forms a page may use instead of the character are swapped too.
ZWNJ = "\u200c"
_ZWNJ_STAND_IN = "\U0001e900"
_ZWNJ_FORMS = regex.compile(r"\u200c|&zwnj;|&#0*8204;|&#x0*200c;", re.IGNORECASE)


@record
class PageArticle:
    """The article found in a web page: its headline, paragraphs and what the page says about it."""

    title: str | None
    paragraphs: tuple[str, ...]
    date: str | None = None  # as the page gives it, normalized by trafilatura (``2024-05-01``)
    author: str | None = None
    site: str | None = None

    @property
    def text(self) -> str:
        """The article as narrator's plain-text input: the headline on the first line (when the page
        has one), then one paragraph per line."""
        lines = list(self.paragraphs)
        if self.title and not (lines and _same_headline(lines[0], self.title)):
            lines.insert(0, self.title)
        return "\n".join(lines) + "\n"


def _same_headline(line: str, title: str) -> bool:
    """Whether the article's first line already is its headline (perhaps with the site's name)."""
    short, long = sorted((line, title), key=len)
    return short in long and len(short) >= len(long) / 2


def looks_like_html(data: bytes) -> bool:
    """Whether ``data`` is an HTML document: it opens like one, or its start is full of HTML tags.

    >>> looks_like_html(b"<!DOCTYPE html><html><body><p>x</p></body></html>")
    True
    >>> looks_like_html("سلام <b>دنیا</b>".encode())
    False
    """
    head = data[:_SNIFF_BYTES].removeprefix(codecs.BOM_UTF8)
    return bool(_HTML_START.match(head)) or len(_HTML_TAG.findall(head)) >= 3


def has_tags(data: bytes) -> bool:
    """Whether ``data`` has any HTML tag near its start (for a file named ``.html``: a fragment).

    >>> has_tags(b"<p>x</p>"), has_tags("متن ساده".encode())
    (True, False)
    """
    return bool(_ANY_TAG.search(data[:_SNIFF_BYTES]))


def meta_charset(data: bytes) -> str | None:
    """The character set a page declares in a ``<meta>`` tag near its start, if any.

    >>> meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">')
    'windows-1256'
    """
    found = _META_CHARSET.search(data[:8192])
    return found.group(1).decode("ascii").lower() if found else None


def decode_html(data: bytes, declared: str | None, name: str) -> str:
    """The text of a page: in the charset the server ``declared``, else its ``<meta>`` one, else UTF-8
    (Windows-1256 when that fails: the legacy Persian encoding). An unknown charset name is ignored."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig", errors="replace")
    for charset in (declared, meta_charset(data)):
        if charset:
            try:
                return data.decode(_known(charset), errors="replace")
            except LookupError:
                continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1256")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: the page is neither UTF-8 nor Windows-1256 text") from exc


def _known(charset: str) -> str:
    """The codec for ``charset``; pages that say ISO-8859-1 mean Windows-1252, as browsers read them."""
    codec = codecs.lookup(charset).name
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def extract_article(html: str, name: str, url: str | None = None) -> PageArticle:
    """The article in the page ``html`` (from ``url`` if fetched), without the page's chrome.

    Raises InputError naming ``name`` when the page has no article text trafilatura can find.
    """
    import trafilatura  # imported here: it takes a fifth of a second and only web pages need it

    if not html.strip():
        raise InputError(f"{name}: the page is empty; there is nothing to narrate")
    protect = _ZWNJ_STAND_IN not in html
    if protect:
        html = _ZWNJ_FORMS.sub(_ZWNJ_STAND_IN, html)
    try:
        document = trafilatura.bare_extraction(
            html, url=url, include_comments=False, include_tables=False, with_metadata=True
        )
    except (ValueError, TypeError, LookupError, RecursionError) as exc:  # a page its parsers choke on
        raise InputError(f"{name}: the page cannot be parsed ({exc.__class__.__name__})") from exc
    def field(name: str) -> object:
        return _restored(getattr(document, name, None), protect) if document is not None else None

    text = field("text")
    paragraphs = tuple(_paragraphs(text if isinstance(text, str) else ""))
    title = _clean(field("title"))
    words = sum(len(p.split()) for p in paragraphs if p != title)
    if words < MIN_ARTICLE_WORDS:
        raise InputError(
            f"{name}: no article text found in the page (fewer than {MIN_ARTICLE_WORDS} words besides "
            "the headline)"
        )
    return PageArticle(
        title=title,
        paragraphs=paragraphs,
        date=_clean(field("date")),
        author=_clean(field("author")),
        site=_clean(field("sitename")),
    )


def _restored(value: object, protect: bool) -> object:
    """``value`` (if a string) with the stand-in turned back into the zero-width non-joiner."""
    return value.replace(_ZWNJ_STAND_IN, ZWNJ) if protect and isinstance(value, str) else value


def _paragraphs(text: str) -> list[str]:
    return [line for raw in text.splitlines() if (line := _LINE_SPACE.sub(" ", raw).strip())]


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None
