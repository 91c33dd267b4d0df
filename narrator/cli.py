"""Command line: argument parsing and messages only. The one place that prints and exits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from narrator import __version__
from narrator.engines.base import EngineOptions
from narrator.engines.registry import DEFAULT_ENGINE, create_engine, engine_names
from narrator.errors import InputError, NarratorError
from narrator.model import Article
from narrator.pipeline import NarrateOptions, ensure_writable_dir, load_article, narrate, output_path
from narrator.text import decode_article, prepare

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
    say.add_argument("--engine", default=DEFAULT_ENGINE, help=f"speech engine (default {DEFAULT_ENGINE})")
    say.add_argument("--voice", help="engine voice name")
    say.add_argument("--lang", default="fa", help="language code for the engine (default fa)")
    say.add_argument("--rate", type=int, help="speaking rate (espeak: words per minute)")
    say.add_argument("--pitch", type=int, help="pitch (espeak: 0-100)")
    say.add_argument("--title", help="title tag (default: the article's opening words)")

    text = commands.add_parser("text", help="print the speakable text an engine will receive")
    text.add_argument("input", help="article text file, or - for standard input")

    commands.add_parser("engines", help="list engines and whether each is usable here")
    return parser


def _read_text_input(name: str, stdin: TextIO) -> Article:
    if name == "-":
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode("utf-8")
        return prepare(decode_article(data, "standard input"))
    return load_article(Path(name))


def _cmd_text(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    article = _read_text_input(args.input, stdin)
    blocks = ["\n".join(s.spoken for s in p.sentences) for p in article.paragraphs]
    out.write("\n\n".join(blocks) + "\n")
    return 0


def _cmd_engines(out: TextIO) -> int:
    for name in engine_names():
        try:
            reason = create_engine(name, EngineOptions()).available()
        except NarratorError as exc:
            reason = str(exc)
        out.write(f"{name}\t{'usable' if reason is None else 'unusable: ' + reason}\n")
    return 0


def _cmd_narrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    inputs: list[Path] = args.inputs
    output: Path | None = args.output
    if len(inputs) > 1 and output is not None and output.suffix.lower() == ".mp3":
        raise InputError("with several inputs, -o must name a folder, not an .mp3 file")
    options = NarrateOptions(
        engine=args.engine,
        engine_options=EngineOptions(voice=args.voice, lang=args.lang, rate=args.rate, pitch=args.pitch),
        title=args.title,
    )
    failures: list[str] = []
    for source in inputs:
        target = output_path(source, output, DEFAULT_OUT)
        try:
            ensure_writable_dir(target.parent)
            result = narrate(source, target, options)
        except NarratorError as exc:
            if len(inputs) == 1:
                raise
            failures.append(f"{source}: {exc}")
            continue
        out.write(f"{result.path}\n")
    if failures:
        err.write(f"narrator: {len(failures)} of {len(inputs)} articles failed:\n")
        err.writelines(f"  {line}\n" for line in failures)
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
        if args.command == "text":
            return _cmd_text(args, out, inp)
        if args.command == "engines":
            return _cmd_engines(out)
        return _cmd_narrate(args, out, err)
    except NarratorError as exc:
        err.write(f"narrator: error: {exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write("narrator: interrupted\n")
        return 130


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
