"""Command line: argument parsing and messages only. The one place that prints and exits."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, NoReturn, TextIO

from narrator import regex
from narrator.audio_settings import EncodeSettings, LoudnessTarget
from narrator.batch import expand_inputs, plan, run_batch
from narrator.cache_dir import cache_problem
from narrator.cli_parser import DEFAULT_OUT, build_parser
from narrator.engines.base import EngineOptions
from narrator.engines.espeak_fresh import close_pool
from narrator.engines.registry import (
    AUTO,
    choose_engine,
    create_engine,
    engine_names,
    online_allowed,
)
from narrator.errors import NarratorError
from narrator.files import FEED_NAME, INDEX_NAME, NarrationFiles
from narrator.guard import check_folder_file, check_replaceable_audio
from narrator.pipeline import (
    CacheSettings,
    NarrateOptions,
    ensure_writable_dir,
    ready_engine,
    render,
    with_ezafe,
)
from narrator.processes import end_on_sigterm, remove_orphaned_temp, reuse_freed_memory
from narrator.progress import NoteFirst, make_reporter, unprefixed
from narrator.publish.cover import load_cover
from narrator.publish.settings import PublishSettings
from narrator.sources import Reader, max_bytes
from narrator.strings import clean_options
from narrator.text import decode_article, explain, format_explanation, load_lexicon, prepare
from narrator.text.explain import Explained
from narrator.text.ezafe import EzafeTagger, EzafeUnavailable, load_tagger, wants_ezafe
from narrator.text.models import missing_models
from narrator.text.rules import Replacement

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away


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
    from narrator.publish.feed import FEED_MARKER, FeedSettings, write_feed  # the publishing commands'
    from narrator.publish.index import INDEX_MARKER, write_index  # modules load only for them

    check_folder_file(args.output or args.folder / FEED_NAME, FEED_MARKER)
    check_folder_file(args.folder / INDEX_NAME, INDEX_MARKER)
    settings = FeedSettings(
        base_url=args.base_url, title=args.title, author=args.author, image=args.image,
        description=args.description,
    )
    feed = write_feed(args.folder, settings, args.output, lambda m: err.write(f"narrator: warning: {m}\n"))
    out.write(f"{feed}\n")
    out.write(f"{write_index(args.folder, feed=feed)}\n")
    return 0


def _checked_ezafe(mode: str, reads_through_espeak: bool, err: TextIO) -> str:
    """``mode``, or ``off`` (said once on ``err``) when the ezafe is wanted but its tagger cannot load."""
    if wants_ezafe(mode, reads_through_espeak):
        try:
            load_tagger()
        except EzafeUnavailable as exc:
            err.write(f"narrator: {exc}\n")
            return "off"
    return mode


def _engine_options(args: argparse.Namespace) -> EngineOptions:
    return EngineOptions(voice=args.voice, lang=args.lang, rate=args.rate, pitch=args.pitch)


def _resolve_engine(options: NarrateOptions, verbose: bool = False) -> tuple[NarrateOptions, str]:
    """Options with ``auto`` replaced by the engine it picks, and a one-line note saying what it
    picked (with ``verbose``, also why it passed over the others, a line each)."""
    if options.engine != AUTO:
        create_engine(options.engine, options.engine_options)  # an unknown engine fails up front
        return options, ""
    choice = choose_engine(options.engine_options, online_allowed())
    note = f"narrator: engine {choice.name} (auto; `narrator engines` tells why)"
    if verbose:
        note += "".join(f"\nnarrator:   passed over {p}" for p in choice.passed_over)
    return replace(options, engine=choice.name), note


def _notice_models(ezafe: bool, err: TextIO) -> None:
    """Say, before the work, that models are built now and whether the cache can keep them."""
    if notice := _models_note(ezafe):
        err.write(notice + "\n")


def _models_note(ezafe: bool) -> str:
    """Whether the cache can keep the models and that they are built now (lines; empty if neither)."""
    problem = cache_problem()
    lines = [f"narrator: warning: cannot write the cache ({problem}); working without it"] if problem else []
    missing = missing_models(ezafe)
    if missing:
        again = "again: the cache cannot keep them" if problem else "first run only"
        lines.append(f"narrator: preparing {' and '.join(missing)} ({again}; about 10 s)")
    return "\n".join(lines)


def _cmd_say(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target: Path = args.output
    check_replaceable_audio(target)
    lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    options, note = _resolve_engine(NarrateOptions(engine=args.engine, engine_options=_engine_options(args)),
                                    args.verbose)
    engine = ready_engine(options.engine, options.engine_options)
    ensure_writable_dir(target.parent)
    if note:
        err.write(note + "\n")
    reads = engine.reads_through_espeak
    _notice_models(wants_ezafe(args.ezafe, reads), err)
    article = prepare(decode_article(args.text.encode("utf-8"), "the text"), lexicon=lexicon)
    article = with_ezafe(article, _checked_ezafe(args.ezafe, reads, err), reads)
    render(article, engine, target, options, sidecars=args.sidecars)
    out.write(f"{target}\n")
    if args.sidecars:
        out.writelines(f"{path}\n" for path in NarrationFiles.beside(target).sidecars())
    return 0


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


def _reader(args: argparse.Namespace, stdin: TextIO) -> Reader:
    """Reads inputs as the options say: under --max-input-mb, ``-`` from ``stdin``."""
    stream: BinaryIO = stdin.buffer if hasattr(stdin, "buffer") else io.BytesIO(stdin.read().encode("utf-8"))
    return Reader(max_bytes(args.max_input_mb), stream)


def _with_ezafe_note(item: Explained, tagger: EzafeTagger) -> Explained:
    marked = tagger.mark(item.spoken)
    if marked == item.spoken:
        return item
    note = Replacement("ezafe", "ezafe", item.spoken, marked)
    return replace(item, spoken=marked, replacements=(*item.replacements, note))


def _cmd_page(args: argparse.Namespace, out: TextIO) -> int:
    from narrator.publish.index import INDEX_MARKER, write_index, write_pages

    folder: Path = args.folder
    check_folder_file(folder / INDEX_NAME, INDEX_MARKER)
    for written in write_pages(folder):
        out.write(f"{written}\n")
    out.write(f"{write_index(folder)}\n")
    return 0


def _cmd_text(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    raw = _reader(args, stdin)(args.input).text
    lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    _notice_models(args.ezafe != "off", err)
    mode = _checked_ezafe(args.ezafe, True, err)  # shows what an engine reading through espeak-ng gets
    if args.explain:
        items = explain(raw, lexicon)
        if wants_ezafe(mode, True):  # _checked_ezafe said off if the tagger cannot load
            tagger = load_tagger()
            items = [_with_ezafe_note(item, tagger) for item in items]
        out.write(format_explanation(items))
        return 0
    article = with_ezafe(prepare(raw, lexicon=lexicon), mode, True)
    blocks = ["\n".join(s.spoken for s in p.sentences) for p in article.paragraphs]
    out.write("\n\n".join(blocks) + "\n")
    return 0


def _cmd_engines(out: TextIO) -> int:
    online = online_allowed()
    for name in engine_names():
        try:
            engine = create_engine(name, EngineOptions())
            unprobed, reason = engine.online and not online, engine.available()
            if reason is None and not unprobed:
                reason = engine.probe()
        except NarratorError as exc:
            reason, unprobed = str(exc), False
        state = "usable" if reason is None else f"unusable: {reason}"
        if reason is None and unprobed:
            state = "usable online (not probed; auto skips it unless NARRATOR_ONLINE=1)"
        out.write(f"{name}\t{state}\n")
        if name == "piper":
            from narrator import cli_voices  # httpx and rich: only for the commands that use them

            out.write(cli_voices.installed_text())
    choice = choose_engine(EngineOptions(), online)
    out.write(f"auto\t{choice.name}\n")
    return 0


def _cmd_narrate(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    sources = expand_inputs(args.inputs, _reader(args, stdin))
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
        max_input_bytes=max_bytes(args.max_input_mb),
        verify=args.verify,
    )
    if args.lexicon:
        load_lexicon(args.lexicon)  # a broken lexicon fails once, up front, not once per article
    options, note = _resolve_engine(options, args.verbose)
    reads = create_engine(options.engine, options.engine_options).reads_through_espeak
    for folder in sorted({job.target.parent for job in jobs}):
        ensure_writable_dir(folder)
    models = _models_note(wants_ezafe(args.ezafe, reads)) if not args.quiet else ""
    options = replace(options, ezafe=_checked_ezafe(args.ezafe, reads, err))
    reporter = make_reporter(err, len(jobs), quiet=args.quiet or (len(jobs) == 1 and not err.isatty()))
    notes = "\n".join(n for n in (models, note) if n)
    if not args.quiet:  # said once the first article is read (an input refused before that: one line)
        reporter = NoteFirst(reporter, notes, err) if not args.dask else reporter
        if args.dask and notes:
            err.write(notes + "\n")
    try:
        if args.dask:
            from narrator.cluster import open_dask, run_on_executor

            with open_dask(args.dask) as executor:
                outcomes = run_on_executor(executor, jobs, options, reporter)
        else:
            outcomes = run_batch(jobs, options, args.jobs, reporter)
    finally:
        reporter.close()
    failures = [o for o in outcomes if o.error is not None]
    for outcome in outcomes:
        if outcome.error is None:
            out.writelines(f"{path}\n" for path in NarrationFiles.beside(outcome.job.target).all())
    if len(jobs) == 1 and failures:
        raise NarratorError(failures[0].error or "failed")
    if failures:
        err.write(f"narrator: {len(failures)} of {len(jobs)} articles failed:\n")
        for o in failures:
            err.write(f"  {o.job.source}: {unprefixed(str(o.job.source), o.error or '')}\n")
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
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # usage goes where told
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        clean_options(args)
        if args.command == "text":
            return _cmd_text(args, out, err, inp)
        if args.command == "engines":
            return _cmd_engines(out)
        if args.command == "voices":
            from narrator import cli_voices

            return cli_voices.run(args, out, err)
        if args.command == "say":
            return _cmd_say(args, out, err)
        if args.command == "cache":
            return _cmd_cache(args, out)
        if args.command == "page":
            return _cmd_page(args, out)
        if args.command == "serve":
            from narrator.serve import serve as serve_folder

            serve_folder(args.folder, args.port, out, err)
            return 0
        if args.command == "feed":
            return _cmd_feed(args, out, err)
        return _cmd_narrate(args, out, err, inp)
    except NarratorError as exc:
        err.write(f"narrator: error: {exc}\n")
        return EXIT_FAILED
    except BrokenPipeError as exc:
        if _reader_gone(out):  # `narrator engines | head -1`: say nothing, as Unix tools do
            return EXIT_BROKEN_PIPE
        err.write(f"narrator: error: {exc}\n")
        return EXIT_FAILED
    except OSError as exc:  # the system's word on a file or folder (name too long, disk full, …)
        err.write(f"narrator: error: {exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write("narrator: interrupted\n")
        return 130


def _reader_gone(out: TextIO) -> bool:
    """Whether ``out`` is a pipe whose reader has gone (polling its write end reports an error);
    if so, what is left unwritten goes to the null device, so that leaving does not fail again."""
    import select

    try:
        poller = select.poll()
        poller.register(out.fileno(), select.POLLOUT)
        gone = any(event & select.POLLERR for _, event in poller.poll(0))
        if gone:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, out.fileno())
            os.close(null)
        return gone
    except (OSError, ValueError, AttributeError):
        return False


def main_entry() -> None:
    """Console-script entry point. SIGTERM ends the run like Ctrl-C: partial files are removed."""
    end_on_sigterm()
    reuse_freed_memory()
    remove_orphaned_temp()  # temporary folders of narrator processes that were killed
    if isinstance(sys.stdout, io.TextIOWrapper):  # paths that are not UTF-8 print as their bytes
        sys.stdout.reconfigure(errors="surrogateescape")
    code = main()
    _leave(code)


def _leave(code: int) -> NoReturn:
    """Exit with ``code`` once the command is done: the espeak-ng helpers are ended, logging and
    the standard streams flushed (all that runs at exit), then the process leaves without
    Python's teardown of every module and object, which costs about 0.05 s after a narration
    (a tenth of a re-narration after an edit). Every file is closed by then: the work ends in
    ``with`` blocks, and an exception never reaches here."""
    close_pool()
    regex.save()  # patterns compiled afresh, for the next run (no exit handlers run after this)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
