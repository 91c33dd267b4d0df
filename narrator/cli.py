"""Command line: argument parsing and messages only. The one place that prints and exits."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from narrator import __version__
from narrator.audio_settings import EncodeSettings, LoudnessTarget
from narrator.batch import expand_inputs, plan, run_batch
from narrator.blobcache import DEFAULT_LIMIT_BYTES
from narrator.engines.base import EngineOptions
from narrator.engines.registry import (
    AUTO,
    AUTO_ORDER,
    DEFAULT_ENGINE,
    ONLINE_ENGINES,
    choose_engine,
    create_engine,
    engine_names,
    online_allowed,
)
from narrator.errors import InputError, NarratorError
from narrator.pipeline import (
    CacheSettings,
    NarrateOptions,
    ensure_writable_dir,
    ready_engine,
    render,
    with_ezafe,
)
from narrator.processes import end_on_sigterm, remove_orphaned_temp
from narrator.progress import make_reporter
from narrator.publish.cover import load_cover
from narrator.publish.episode import DEFAULT_ALBUM, PublishSettings
from narrator.publish.feed import DEFAULT_AUTHOR, FeedSettings, write_feed
from narrator.publish.index import write_index, write_pages
from narrator.serve import serve as serve_folder
from narrator.strings import clean_options
from narrator.text import decode_article, explain, format_explanation, load_lexicon, prepare, read_article
from narrator.text.explain import Explained
from narrator.text.ezafe import EZAFE_MODES, EzafeTagger, load_tagger, wants_ezafe
from narrator.text.rules import Replacement

DEFAULT_OUT = Path("audio_out")
EXIT_FAILED = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="narrator", description="Narrate Persian news articles into MP3.")
    parser.add_argument("--version", action="version", version=f"narrator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    say = commands.add_parser("narrate", help="narrate article files into chaptered MP3s")
    say.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="article text files")
    say.add_argument("-o", "--output", type=Path, help=f"output .mp3 file or folder (default {DEFAULT_OUT}/)")
    _voice_options(say)
    _ezafe_option(say)
    _lexicon_option(say)
    say.add_argument("--title", help="title tag (default: the article's opening words)")
    say.add_argument("-j", "--jobs", type=_positive, default=1, help="articles narrated at once (processes)")
    say.add_argument("--concurrency", type=_positive, default=4,
                     help="sentences synthesized at once by a network engine (default 4)")
    say.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    _cache_options(say)
    say.add_argument("--no-cache", action="store_true", help="neither read nor write the synthesis cache")
    _podcast_options(say)

    cache = commands.add_parser("cache", help="inspect or clear the synthesis cache")
    cache.add_argument("action", choices=["info", "clear"])
    _cache_options(cache)

    text = commands.add_parser("text", help="print the speakable text an engine will receive")
    text.add_argument("input", help="article text file, or - for standard input")
    text.add_argument("--explain", action="store_true",
                      help="show each sentence written and spoken, and every replacement made and why")
    _ezafe_option(text)
    _lexicon_option(text)

    commands.add_parser("engines", help="list engines and whether each is usable here")

    speak = commands.add_parser("say", help="speak a short text to an MP3, to try voices")
    speak.add_argument("text", help="the text to speak")
    speak.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT / "say.mp3",
                       help=f"output .mp3 (default {DEFAULT_OUT}/say.mp3)")
    _voice_options(speak)
    _ezafe_option(speak)
    _lexicon_option(speak)

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


def _podcast_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--loudness", type=float, default=-16.0, metavar="LUFS",
                        help="integrated loudness to normalize to (default -16 LUFS; true peak -1 dBTP)")
    parser.add_argument("--no-normalize", action="store_true", help="keep the levels as synthesized")
    parser.add_argument("--bitrate", type=int, default=64, metavar="KBPS", help="MP3 CBR kbit/s (default 64)")
    parser.add_argument("--sample-rate", type=int, default=44100, metavar="HZ",
                        help="MP3 sample rate (default 44100)")
    parser.add_argument("--album", default=DEFAULT_ALBUM,
                        help=f"album tag, e.g. the publication (default {DEFAULT_ALBUM})")
    parser.add_argument("--source", help="source text or URL for the comment tag (default: input file name)")
    parser.add_argument("--cover", type=Path, metavar="IMAGE", help="cover art, a JPEG or PNG file")


def _podcast_settings(
    args: argparse.Namespace,
) -> tuple[LoudnessTarget | None, EncodeSettings, PublishSettings]:
    """Loudness, encoding and publishing settings from the options, each checked here, once."""
    if args.cover is not None:
        load_cover(args.cover)
    loudness = None if args.no_normalize else LoudnessTarget(integrated_lufs=args.loudness)
    encode = EncodeSettings(sample_rate=args.sample_rate, bitrate_kbps=args.bitrate)
    return loudness, encode, PublishSettings(album=args.album, source=args.source, cover=args.cover)


def _cmd_feed(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    settings = FeedSettings(
        base_url=args.base_url, title=args.title, author=args.author, image=args.image,
        description=args.description,
    )
    written = write_feed(args.folder, settings, args.output, lambda m: err.write(f"narrator: warning: {m}\n"))
    out.write(f"{written}\n")
    out.write(f"{write_index(args.folder)}\n")
    return 0


def _voice_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", default=DEFAULT_ENGINE,
                        help=f"speech engine, or auto: the first usable of {', '.join(AUTO_ORDER)} (default)")
    parser.add_argument("--voice", help="engine voice (espeak voice, piper name or .onnx path, edge voice)")
    parser.add_argument("--lang", default="fa", help="language code for the engine (default fa)")
    parser.add_argument("--rate", type=int, help="speed change in percent (+25 is a quarter faster)")
    parser.add_argument("--pitch", type=int, help="pitch change (espeak: steps of its 0-100 scale; edge: Hz)")


def _ezafe_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ezafe", choices=EZAFE_MODES, default="auto",
                        help="mark the ezafe for the voice (auto: for espeak and piper, which need it)")


def _lexicon_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lexicon", type=Path, metavar="FILE",
                        help="pronunciation lexicon: written<TAB>spoken per line, re: for patterns")


def _checked_ezafe(mode: str, engine: str, err: TextIO) -> str:
    """``mode``, or ``off`` (said once on ``err``) when the ezafe is wanted but its tagger cannot load."""
    if wants_ezafe(mode, engine):
        tagger = load_tagger()
        if isinstance(tagger, str):
            err.write(f"narrator: {tagger}\n")
            return "off"
    return mode


def _engine_options(args: argparse.Namespace) -> EngineOptions:
    return EngineOptions(voice=args.voice, lang=args.lang, rate=args.rate, pitch=args.pitch)


def _resolve_engine(options: NarrateOptions) -> tuple[NarrateOptions, str]:
    """Options with ``auto`` replaced by the engine it picks, and a note saying what it picked."""
    if options.engine != AUTO:
        create_engine(options.engine, options.engine_options)  # an unknown engine fails up front
        return options, ""
    choice = choose_engine(options.engine_options, online_allowed())
    note = f"narrator: engine auto chose {choice.name}" + "".join(f"; {p}" for p in choice.passed_over)
    return replace(options, engine=choice.name), note


def _cmd_say(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target: Path = args.output
    if target.suffix.lower() != ".mp3":
        raise InputError(f"{target}: the output of say must be an .mp3 file")
    lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    article = prepare(decode_article(args.text.encode("utf-8"), "the text"), lexicon=lexicon)
    options, note = _resolve_engine(NarrateOptions(engine=args.engine, engine_options=_engine_options(args)))
    engine = ready_engine(options.engine, options.engine_options)
    ensure_writable_dir(target.parent)
    article = with_ezafe(article, _checked_ezafe(args.ezafe, engine.name, err), engine.name)
    render(article, engine, target, options)
    if note:
        err.write(note + "\n")
    out.write(f"{target}\n")
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return number


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    text = value.strip().lower().removesuffix("b")
    scale = units.get(text[-1:], 1)
    try:
        number = float(text[:-1] if scale != 1 else text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (use e.g. 500M or 2G)") from None
    return int(number * scale)


def _cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, help="synthesis cache folder (default: user cache folder)")
    parser.add_argument("--cache-limit", type=_size, default=DEFAULT_LIMIT_BYTES,
                        help="cache size limit, least recently used entries evicted (default 1G)")


def _cache_settings(args: argparse.Namespace) -> CacheSettings:
    return CacheSettings(folder=args.cache_dir, limit_bytes=args.cache_limit)


def _cmd_cache(args: argparse.Namespace, out: TextIO) -> int:
    cache = _cache_settings(args).open()
    if args.action == "clear":
        out.write(f"removed {cache.clear()} entries from {cache.folder}\n")
        return 0
    info = cache.info()
    out.write(f"folder\t{info.folder}\nentries\t{info.entries}\n")
    out.write(f"size\t{info.size_bytes / 1024**2:.1f} MiB\nlimit\t{info.limit_bytes / 1024**2:.1f} MiB\n")
    return 0


def _read_raw(name: str, stdin: TextIO) -> str:
    if name == "-":
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode("utf-8")
        return decode_article(data, "standard input")
    return read_article(Path(name))


def _with_ezafe_note(item: Explained, tagger: EzafeTagger) -> Explained:
    marked = tagger.mark(item.spoken)
    if marked == item.spoken:
        return item
    note = Replacement("ezafe", "ezafe", item.spoken, marked)
    return replace(item, spoken=marked, replacements=(*item.replacements, note))


def _cmd_page(args: argparse.Namespace, out: TextIO) -> int:
    folder: Path = args.folder
    for written in write_pages(folder):
        out.write(f"{written}\n")
    out.write(f"{write_index(folder)}\n")
    return 0


def _cmd_text(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    raw = _read_raw(args.input, stdin)
    lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    mode = _checked_ezafe("on" if args.ezafe == "auto" else args.ezafe, "espeak", err)
    if args.explain:
        items = explain(raw, lexicon)
        tagger = load_tagger() if mode == "on" else None
        if isinstance(tagger, EzafeTagger):
            items = [_with_ezafe_note(item, tagger) for item in items]
        out.write(format_explanation(items))
        return 0
    article = with_ezafe(prepare(raw, lexicon=lexicon), mode, "espeak")
    blocks = ["\n".join(s.spoken for s in p.sentences) for p in article.paragraphs]
    out.write("\n\n".join(blocks) + "\n")
    return 0


def _cmd_engines(out: TextIO) -> int:
    from narrator.engines.voices import find_voices, voices_dir

    online = online_allowed()
    for name in engine_names():
        try:
            engine = create_engine(name, EngineOptions())
            reason = engine.available()
            probe = getattr(engine, "reachable", None)
            if reason is None and name in ONLINE_ENGINES and online and callable(probe):
                reason = probe()
        except NarratorError as exc:
            reason = str(exc)
        state = "usable" if reason is None else f"unusable: {reason}"
        if reason is None and name in ONLINE_ENGINES and not online:
            state = "usable online (not probed; auto skips it unless NARRATOR_ONLINE=1)"
        out.write(f"{name}\t{state}\n")
        if name == "piper":
            found = find_voices()
            out.writelines(f"  voice {v.name}\t{v.model}\n" for v in found)
            if not found:
                out.write(f"  no voices in {voices_dir()}\n")
    choice = choose_engine(EngineOptions(), online)
    out.write(f"auto\t{choice.name}\n")
    return 0


def _cmd_narrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    sources = expand_inputs(args.inputs)
    jobs = plan(sources, args.output, DEFAULT_OUT)
    loudness, encode, publish = _podcast_settings(args)
    options = NarrateOptions(
        engine=args.engine,
        engine_options=_engine_options(args),
        title=args.title,
        ezafe=args.ezafe,
        lexicon=args.lexicon,
        cache=None if args.no_cache else _cache_settings(args),
        concurrency=args.concurrency,
        loudness=loudness,
        encode=encode,
        publish=publish,
    )
    if args.lexicon:
        load_lexicon(args.lexicon)  # a broken lexicon fails once, up front, not once per article
    options, note = _resolve_engine(options)
    options = replace(options, ezafe=_checked_ezafe(args.ezafe, options.engine, err))
    for folder in sorted({job.target.parent for job in jobs}):
        ensure_writable_dir(folder)
    reporter = make_reporter(err, len(jobs), quiet=args.quiet or (len(jobs) == 1 and not err.isatty()))
    try:
        outcomes = run_batch(jobs, options, args.jobs, reporter)
    finally:
        reporter.close()
    failures = [o for o in outcomes if o.error is not None]
    if note and len(failures) < len(outcomes) and not args.quiet:
        err.write(note + "\n")
    for outcome in outcomes:
        if outcome.error is None:
            out.write(f"{outcome.job.target}\n")
    if len(jobs) == 1 and failures:
        raise NarratorError(failures[0].error or "failed")
    if failures:
        err.write(f"narrator: {len(failures)} of {len(jobs)} articles failed:\n")
        err.writelines(f"  {o.job.source}: {o.error}\n" for o in failures)
        return EXIT_FAILED
    return 0


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line with ``argv``; return the exit code (never raises for user errors)."""
    out, err, inp = stdout or sys.stdout, stderr or sys.stderr, stdin or sys.stdin
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        clean_options(args)
        if args.command == "text":
            return _cmd_text(args, out, err, inp)
        if args.command == "engines":
            return _cmd_engines(out)
        if args.command == "say":
            return _cmd_say(args, out, err)
        if args.command == "cache":
            return _cmd_cache(args, out)
        if args.command == "page":
            return _cmd_page(args, out)
        if args.command == "serve":
            serve_folder(args.folder, args.port, out, err)
            return 0
        if args.command == "feed":
            return _cmd_feed(args, out, err)
        return _cmd_narrate(args, out, err)
    except NarratorError as exc:
        err.write(f"narrator: error: {exc}\n")
        return EXIT_FAILED
    except OSError as exc:  # the system's word on a file or folder (name too long, disk full, …)
        err.write(f"narrator: error: {exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write("narrator: interrupted\n")
        return 130


def main_entry() -> None:
    """Console-script entry point. SIGTERM ends the run like Ctrl-C: partial files are removed."""
    end_on_sigterm()
    remove_orphaned_temp()  # temporary folders of narrator processes that were killed
    if isinstance(sys.stdout, io.TextIOWrapper):  # paths that are not UTF-8 print as their bytes
        sys.stdout.reconfigure(errors="surrogateescape")
    sys.exit(main())
