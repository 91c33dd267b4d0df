"""The command line's grammar: every command, option and argument type. Parsing only; cli.py runs
the commands and is the one place that prints."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from narrator import __version__
from narrator.blobcache import DEFAULT_LIMIT_BYTES
from narrator.engines.registry import DEFAULT_ENGINE
from narrator.engines.voices import PERSIAN_VOICES
from narrator.files import AUDIO_SUFFIXES, is_audio_name
from narrator.publish.settings import DEFAULT_ALBUM, DEFAULT_AUTHOR
from narrator.sources import DEFAULT_MAX_INPUT_MB
from narrator.text.ezafe import EZAFE_MODES

DEFAULT_OUT = Path("audio_out")
SAY_OUT = "say.mp3"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="narrator", description="Narrate Persian news articles into MP3.")
    parser.add_argument("--version", action="version", version=f"narrator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    narrate = commands.add_parser("narrate", help="narrate article files into chaptered MP3s")
    narrate.add_argument("inputs", nargs="+", metavar="INPUT",
                         help=".txt or .html article, http(s) URL, folder of them, or - for standard input")
    narrate.add_argument("-o", "--output", type=output_arg,
                         help=f"output .mp3, .m4b or .m4a file, or folder (default {DEFAULT_OUT}/)")
    voice_options(narrate)
    ezafe_option(narrate)
    lexicon_option(narrate)
    narrate.add_argument("--title", help="title tag (default: the article's opening words)")
    narrate.add_argument("-j", "--jobs", type=positive, default=1,
                         help="articles narrated at once, in this process (never more work than cores)")
    narrate.add_argument("--dask", metavar="ADDRESS",
                         help="narrate on a Dask cluster: tcp://HOST:PORT, or local:N worker processes")
    narrate.add_argument("--concurrency", type=positive, default=4,
                         help="sentences synthesized at once by a network engine (default 4)")
    narrate.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    narrate.add_argument("-v", "--verbose", action="store_true", help="say why auto passed over each engine")
    cache_options(narrate)
    narrate.add_argument("--no-cache", action="store_true", help="neither read nor write the synthesis cache")
    input_limit_option(narrate)
    podcast_options(narrate)

    cache = commands.add_parser("cache", help="inspect or clear the synthesis cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache_options(cache)

    text = commands.add_parser("text", help="print the speakable text an engine will receive")
    text.add_argument("input", help="article: .txt or .html file, http(s) URL, or - for standard input")
    input_limit_option(text)
    text.add_argument("--explain", action="store_true",
                      help="show each sentence written and spoken, and every replacement made and why")
    ezafe_option(text)
    lexicon_option(text)

    commands.add_parser("engines", help="list engines and whether each is usable here")
    voices_parser(commands)

    say = commands.add_parser("say", help="speak a short text to an MP3, to try voices")
    say.add_argument("text", help="the text to speak")
    say.add_argument("-o", "--output", type=audio_file, default=Path(SAY_OUT),
                     help=f"output .mp3 (default ./{SAY_OUT})")
    say.add_argument("--sidecars", action="store_true",
                     help="also write the transcripts, chapters, manifest and page (default: audio only)")
    say.add_argument("-v", "--verbose", action="store_true", help="say why auto passed over each engine")
    voice_options(say)
    ezafe_option(say)
    lexicon_option(say)

    feed = commands.add_parser("feed", help="write an RSS podcast feed of the narrations in a folder")
    feed.add_argument("folder", type=Path, metavar="DIR", help="folder of narrations (MP3s and manifests)")
    feed.add_argument("--base-url", required=True, metavar="URL", help="http(s) URL the folder is served at")
    feed.add_argument("--title", help="podcast title (default: the album of the newest narration)")
    feed.add_argument("--author", default=DEFAULT_AUTHOR, help=f"podcast author (default {DEFAULT_AUTHOR})")
    feed.add_argument("--image", metavar="URL", help="http(s) URL of the podcast artwork")
    feed.add_argument("--description", help="podcast description")
    feed.add_argument("-o", "--output", type=Path, help="feed file (default DIR/feed.xml)")

    page = commands.add_parser("page", help="write index.html (and pages from manifests) for a folder")
    page.add_argument("folder", type=Path, metavar="DIR", help="folder of narrations")

    serve = commands.add_parser("serve", help="serve a folder of narrations on 127.0.0.1")
    serve.add_argument("folder", type=Path, metavar="DIR", help="folder of narrations")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    return parser


def podcast_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--loudness", type=float, default=-16.0, metavar="LUFS",
                        help="integrated loudness to normalize to (default -16 LUFS; true peak -1 dBTP)")
    parser.add_argument("--no-normalize", action="store_true", help="keep the levels as synthesized")
    parser.add_argument("--verify", action="store_true",
                        help="decode and measure each narration before keeping it (refused if it misses"
                             " the loudness by over 0.5 LU or passes the true-peak ceiling)")
    parser.add_argument("--bitrate", type=int, default=64, metavar="KBPS", help="MP3 CBR kbit/s (default 64)")
    parser.add_argument("--sample-rate", type=int, default=44100, metavar="HZ",
                        help="MP3 sample rate (default 44100)")
    parser.add_argument("--album", default=DEFAULT_ALBUM,
                        help=f"album tag, e.g. the publication (default {DEFAULT_ALBUM})")
    parser.add_argument("--source", help="source text or URL for the comment tag (default: input file name)")
    parser.add_argument("--cover", type=Path, metavar="IMAGE", help="cover art, a JPEG or PNG file")


def voice_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", default=DEFAULT_ENGINE,
                        help="speech engine, or auto: the best that speaks --lang and works now (default)")
    parser.add_argument("--voice", help="engine voice (espeak voice, piper name or .onnx path, edge voice)")
    parser.add_argument("--lang", default="fa", help="language code for the engine (default fa)")
    parser.add_argument("--rate", type=int, help="speed change in percent (+25 is a quarter faster)")
    parser.add_argument("--pitch", type=int, help="pitch change (espeak: steps of its 0-100 scale; edge: Hz)")


def ezafe_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ezafe", choices=EZAFE_MODES, default="auto",
                        help="mark the ezafe for the voice (auto: for engines that read through espeak-ng)")


def input_limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-input-mb", type=megabytes, default=DEFAULT_MAX_INPUT_MB, metavar="MB",
                        help="refuse inputs (files, pages, standard input) larger than this "
                             f"(default {DEFAULT_MAX_INPUT_MB} MiB)")


def megabytes(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of megabytes: {value!r}") from None
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, not {value}")
    return number


def lexicon_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lexicon", type=Path, metavar="FILE",
                        help="pronunciation lexicon: written<TAB>spoken per line, re: for patterns")


def output_arg(value: str) -> Path:
    """``-o``: an audio file name, or a folder (existing, ending in ``/``, or without a suffix)."""
    path = Path(value)
    if is_audio_name(path) or value.endswith(("/", os.sep)) or path.is_dir() or not path.suffix:
        return path
    kinds = ", ".join(AUDIO_SUFFIXES)
    raise argparse.ArgumentTypeError(f"{value!r}: narrator writes {kinds} files or folders, not {path.suffix}"
                                     " (end a folder's name with /)")


def audio_file(value: str) -> Path:
    path = Path(value)
    if not is_audio_name(path):
        raise argparse.ArgumentTypeError(f"{value!r}: the output must be a {', '.join(AUDIO_SUFFIXES)} file")
    return path


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return number


def size_arg(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    text = value.strip().lower().removesuffix("b")
    scale = units.get(text[-1:], 1)
    try:
        number = float(text[:-1] if scale != 1 else text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (use e.g. 500M or 2G)") from None
    return int(number * scale)


def cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, help="synthesis cache folder (default: user cache folder)")
    parser.add_argument("--cache-limit", type=size_arg, default=DEFAULT_LIMIT_BYTES,
                        help="cache size limit, least recently used entries evicted (default 1G)")


def voices_parser(commands: Any) -> None:
    """Add ``voices`` and its actions to the ``commands`` of the main parser."""
    voices = commands.add_parser("voices", help="list, download and remove Piper voices (natural, offline)")
    actions = voices.add_subparsers(dest="voices_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the Persian voices of the catalogue and which are installed")
    listing.add_argument("--all", action="store_true", help="voices of every language")
    fetch = actions.add_parser("download", help="download voices into the voices folder")
    fetch.add_argument("names", nargs="+", metavar="NAME", help="voice name, e.g. " + PERSIAN_VOICES[0])
    drop = actions.add_parser("remove", help="delete installed voices")
    drop.add_argument("names", nargs="+", metavar="NAME", help="voice name")
