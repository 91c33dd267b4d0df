"""``narrate``: article file in, tagged and chaptered MP3 out. Wires the zones, nothing else."""

from __future__ import annotations

import bisect
import contextlib
import os
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import field, replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from narrator.atomic import create_temporary, probe_folder, temporary_name
from narrator.audio.assemble import AssembledParagraph, Pauses, assemble, segment_starts
from narrator.audio.encode import ClipSpan, Spool, clip_levels, encode_narration
from narrator.audio.meter import ClipLevel
from narrator.audio.mp4 import is_mp4
from narrator.audio.pcm import trim_silence
from narrator.audio.segments import Layout
from narrator.audio.verify import verified
from narrator.audio_settings import EncodeSettings, LoudnessReport, LoudnessTarget
from narrator.blobcache import DEFAULT_LIMIT_BYTES, BlobCache, default_audio_cache_dir
from narrator.cores import cpu_count
from narrator.cues import sentence_cues, written_word_times
from narrator.engines.base import Engine, EngineOptions
from narrator.engines.cache import CachedEngine, ClipCache
from narrator.engines.registry import DEFAULT_ENGINE, create_engine
from narrator.errors import EngineUnavailable, InputError, OutputError
from narrator.ffmpeg import find_ffmpeg_soon
from narrator.files import is_audio_name
from narrator.model import Article, ChapterMark, Clip, Cue, Sentence, Timeline, WordTime
from narrator.progress import QuietReporter, Reporter
from narrator.publish.cover import load_cover
from narrator.publish.settings import PublishSettings, SourceInfo
from narrator.record import record
from narrator.sources import Source, max_bytes, read_source, source_stem
from narrator.strings import clean_text, repair_surrogates
from narrator.synth import SentenceDone, speak_article
from narrator.text import load_lexicon, prepare, split_for_engine
from narrator.text.ezafe import EzafeUnavailable, load_tagger, mark_article, wants_ezafe
from narrator.text.prepare import opening_words

if TYPE_CHECKING:
    from narrator.publish.manifest import Manifest

CHAPTER_TITLE_WORDS = 6


@record
class CacheSettings:
    """Where the synthesis cache lives (None: the user cache folder) and how large it may grow."""

    folder: Path | None = None
    limit_bytes: int = DEFAULT_LIMIT_BYTES

    def open(self) -> ClipCache:
        return ClipCache(self.folder or default_audio_cache_dir(), self.limit_bytes)


@record
class NarrateOptions:
    """Everything a narration can be told besides its input and output."""

    engine: str = DEFAULT_ENGINE
    engine_options: EngineOptions = field(default_factory=EngineOptions)
    title: str | None = None
    pauses: Pauses = field(default_factory=Pauses)
    encode: EncodeSettings = field(default_factory=EncodeSettings)
    cache: CacheSettings | None = field(default_factory=CacheSettings)
    concurrency: int = 4
    loudness: LoudnessTarget | None = field(default_factory=LoudnessTarget)  # None: levels as synthesized
    publish: PublishSettings = field(default_factory=PublishSettings)
    ezafe: str = "auto"  # on, off, or auto: on for engines that read through espeak-ng
    lexicon: Path | None = None  # a user pronunciation lexicon (docs/reading.md)
    max_input_bytes: int = field(default_factory=lambda: max_bytes(None))  # inputs larger are refused
    encode_workers: int = 0  # paragraphs encoded at once; 0: one per core (the core slots bound them)
    verify: bool = False  # decode and measure each narration before it is kept (--verify)


@record
class Result:
    """A finished narration."""

    path: Path
    article: Article
    timeline: Timeline
    engine: str
    manifest: Manifest | None = None
    loudness: LoudnessReport | None = None


def load_article(source: Path | Source, title: str | None = None, lexicon: Path | None = None) -> Article:
    """Read and prepare the article at ``source``, with the user's pronunciation ``lexicon`` if any."""
    src = source if isinstance(source, Source) else read_source(source, max_bytes(None))
    return prepare_source(src, title, lexicon)


def prepare_source(
    src: Source, title: str | None, lexicon: Path | None, cache: BlobCache | None = None
) -> Article:
    """The article of ``src``: titled ``title``, else the page's headline, else as ``prepare`` finds
    (lines prepared before read back from ``cache``)."""
    return prepare(
        src.text, title=title or src.title, lexicon=load_lexicon(lexicon) if lexicon else None, cache=cache
    )


def source_info(src: Source, label: str | None) -> SourceInfo:
    """What the manifest and tags say about ``src``; ``label`` (``--source``) overrides its name."""
    return SourceInfo(
        name=clean_text(label or src.label), sha256=src.sha256, url=src.url,
        published=src.date, author=src.author, site=src.site,
    )


def with_ezafe(
    article: Article, mode: str, reads_through_espeak: bool, cache: BlobCache | None = None
) -> Article:
    """``article`` with the ezafe marked in its spoken forms when ``mode`` asks for it for an engine
    that does (or does not) read through espeak-ng.

    If the tagger cannot be loaded the article is returned unmarked (the CLI says why, once).
    """
    if not wants_ezafe(mode, reads_through_espeak):
        return article
    try:
        return mark_article(article, load_tagger(), cache)
    except EzafeUnavailable:
        return article


def ready_engine(name: str, options: EngineOptions) -> Engine:
    """The engine called ``name``, checked to be usable now."""
    engine = create_engine(name, options)
    reason = engine.available()
    if reason is not None:
        raise EngineUnavailable(f"engine {name!r} cannot be used: {reason}")
    return engine


def output_path(source: Path | Source, out: Path | None, default_dir: Path) -> Path:
    """Where the audio for ``source`` goes: ``out`` if it names an audio file, else ``<dir>/<stem>.mp3``
    (a URL's stem is its last path segment, standard input's is ``stdin``)."""
    if out is not None and is_audio_name(out):
        return out
    return (out or default_dir) / f"{repair_surrogates(source_stem(source))}.mp3"  # a name that is text


def ensure_writable_dir(folder: Path) -> None:
    """Create ``folder`` if needed; raise OutputError if files cannot be written there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror or exc})") from exc
    if not folder.is_dir():
        raise OutputError(f"{folder}: is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: the output folder is not writable")
    probe_folder(folder)


def narrate(
    source: Path | Source, target: Path, options: NarrateOptions | None = None,
    reporter: Reporter | None = None,
) -> Result:
    """Narrate the article at ``source`` (a file, or an input already read) into the MP3 ``target``,
    written atomically. A file is read once, under ``options.max_input_bytes``."""
    opts = options or NarrateOptions()
    report = reporter or QuietReporter()
    src = source if isinstance(source, Source) else read_source(source, opts.max_input_bytes)
    name = str(source)
    report.article_read(name)
    engine: Engine = ready_engine(opts.engine, opts.engine_options)
    warm_up = getattr(engine, "warm_up", None)  # an engine with helpers to start may start them now
    if callable(warm_up):
        warm_up()
    find_ffmpeg_soon()  # its check runs while the text is prepared
    cache = opts.cache.open() if opts.cache is not None else None
    article = prepare_source(src, opts.title, opts.lexicon, cache)
    article = with_ezafe(article, opts.ezafe, engine.reads_through_espeak, cache)
    if cache is not None:
        engine = CachedEngine(engine, cache)
    ensure_writable_dir(target.parent)
    report.article_started(name, len(article.sentences))
    result = render(
        article, engine, target, opts, on_sentence=lambda: report.sentence_done(name),
        source=source_info(src, opts.publish.source),
    )
    if cache is not None:
        cache.prune()
    return result


def render(
    article: Article,
    engine: Engine,
    target: Path,
    opts: NarrateOptions,
    on_sentence: SentenceDone | None = None,
    source: SourceInfo | None = None,
    sidecars: bool = True,
) -> Result:
    """Synthesize, assemble, normalize, encode and tag ``article`` and write its sidecars and manifest.

    The files appear only when complete. ``source`` describes the input (default: a checksum of the
    article's text).
    """
    cover = load_cover(opts.publish.cover) if opts.publish.cover is not None else None
    partial = temporary_name(target, suffix=target.suffix + ".part")
    publishing = _preload_publishing()
    try:
        create_temporary(partial, target)
        timeline, loudness = _encode(article, engine, target, partial, opts, on_sentence)
        if opts.verify and loudness is not None and opts.loudness is not None:
            loudness = verified(partial, opts.encode.sample_rate, loudness, opts.loudness)
        publishing.join()  # its modules are loaded (or failed to: the import below says why)
        from narrator.publish.episode import EpisodeDetails, finish_episode, source_of_article

        details = EpisodeDetails(
            engine=engine.name,
            voice=engine.voice_label,
            album=opts.publish.album,
            source=source or source_of_article(article, opts.publish.source),
            created=opts.publish.created or datetime.now(UTC),
            encode=opts.encode,
            loudness=loudness,
            cover=cover,
        )
        manifest = finish_episode(partial, target, article, timeline, details, sidecars)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return Result(
        path=target, article=article, timeline=timeline, engine=engine.name,
        manifest=manifest, loudness=loudness,
    )


def _preload_publishing() -> threading.Thread:
    """Start loading the tag, manifest and page modules (about 30 ms of imports) on a thread of
    their own: synthesis and encoding leave this thread waiting, and the interpreter idle, for
    longer than that, so the files are written without waiting for the imports."""

    def load() -> None:
        with contextlib.suppress(Exception):  # an import error is raised again where it is used
            import narrator.publish.episode  # noqa: F401

    thread = threading.Thread(target=load, name="preload-publish", daemon=True)
    thread.start()
    return thread


def _encode(
    article: Article,
    engine: Engine,
    target: Path,
    partial: Path,
    opts: NarrateOptions,
    on_sentence: SentenceDone | None,
) -> tuple[Timeline, LoudnessReport | None]:
    paragraphs = speak_article(engine, article, split_for_engine, opts.concurrency, on_sentence)
    first = next(paragraphs, None)
    first_clip = next(first, None) if first is not None else None
    if first is None or first_clip is None:
        raise InputError("the article has no sentences to narrate")
    rate = first_clip.sample_rate
    words: list[tuple[WordTime, ...]] = []
    stream = _recording_words(chain([chain([first_clip], first)], paragraphs), words)
    cache = opts.cache.open() if opts.cache is not None else None
    with Spool() as spool:  # the gain comes from the clips' cached statistics, then one encode
        spans: list[AssembledParagraph] = []
        levels: list[ClipLevel] = []
        for paragraph in assemble(stream, spool, rate, opts.pauses):
            spans.append(paragraph)  # its clips measured while later sentences are synthesized
            if opts.loudness is not None:
                spoken = [ClipSpan(s.start, s.end) for s in paragraph.sentences]
                levels += clip_levels(spool, spoken, rate, cache)
        clips = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        known = levels if opts.loudness is not None else None
        if is_mp4(target):
            from narrator.mp4out import continuous_layout, encode_mp4  # AAC in MP4: its own wiring

            timeline = build_timeline(article, spans, rate, continuous_layout(spans, spool.frames, rate))
            mp4_report = encode_mp4(
                spool, rate, clips, partial, opts.encode, timeline.chapters,
                audiobook=target.suffix.lower() == ".m4b", target=opts.loudness, cache=cache, levels=known,
            )
            return with_captions(timeline, article, words), mp4_report
        marks = [[_may_start(s) for s in p.sentences] for p in article.paragraphs]
        starts = segment_starts(spans, marks, rate)
        report, layout = encode_narration(
            partial, spool, rate, clips, starts, opts.encode, opts.loudness,
            cache, opts.encode_workers or cpu_count(), known,
        )
    return with_captions(build_timeline(article, spans, rate, layout, starts), article, words), report


def _may_start(sentence: Sentence) -> bool:
    """Whether an MP3 segment may start at ``sentence``: a bit of its text, as every run sees it."""
    return zlib.crc32(sentence.spoken.encode("utf-8", "surrogatepass")) & 1 == 0


def _recording_words(
    stream: Iterable[Iterable[Clip]], words: list[tuple[WordTime, ...]]
) -> Iterator[Iterator[Clip]]:
    """``stream`` unchanged (each paragraph still a stream of clips), appending each clip's word
    times (as assembly trims it) to ``words`` as the clip passes."""
    for clips in stream:
        yield _recording(clips, words)


def _recording(clips: Iterable[Clip], words: list[tuple[WordTime, ...]]) -> Iterator[Clip]:
    for clip in clips:  # a timed clip is passed on trimmed: trimming it again gives it back as is
        trimmed = trim_silence(clip) if clip.words else clip
        words.append(trimmed.words)
        yield trimmed


def with_captions(timeline: Timeline, article: Article, spoken: list[tuple[WordTime, ...]]) -> Timeline:
    """``timeline`` with short caption cues and, where the engine timed words, written word times."""
    captions: list[Cue] = []
    words: list[tuple[Cue, ...]] = []
    for sentence, cue, times in zip(article.sentences, timeline.cues, spoken, strict=True):
        written = written_word_times(sentence.written, times, cue.end_ms - cue.start_ms)
        captions.extend(sentence_cues(cue.start_ms, cue.end_ms, written) or [cue])
        timed = tuple(Cue(cue.start_ms + w.start_ms, cue.start_ms + w.end_ms, w.text) for w in written)
        words.append(timed if times else ())
    return replace(timeline, captions=tuple(captions), words=tuple(words))


def build_timeline(
    article: Article,
    spans: list[AssembledParagraph],
    rate: int,
    layout: Layout,
    starts: list[int] | None = None,
) -> Timeline:
    """Chapters and cues in milliseconds, from the assembled spans and where the encoder put them.

    Segment ``i`` was encoded from frame ``starts[i]`` on (by default, one per paragraph from its
    chapter's start): its audio is heard from ``placements[i].content`` on. A paragraph's chapter
    starts where its first segment does (the first at 0) and ends where the next one starts (the
    last at the end of the file).
    """

    def ms(samples: float) -> int:
        return round(samples * 1000 / layout.rate)

    scale = layout.rate / rate
    edges = starts if starts is not None else [s.chapter.start for s in spans]

    def heard(frame: int) -> float:
        """Where the assembled ``frame`` is heard in the file, in samples at the file's rate."""
        n = bisect.bisect_right(edges, frame) - 1
        return layout.placements[n].content + (frame - edges[n]) * scale

    firsts = [bisect.bisect_left(edges, s.chapter.start) for s in spans]  # each paragraph's first segment
    chapter_starts = [0] + [layout.placements[n].start for n in firsts[1:]]
    ends = [*chapter_starts[1:], layout.total_samples]
    chapters = tuple(
        ChapterMark(ms(start), ms(end), opening_words(p.written, CHAPTER_TITLE_WORDS))
        for p, start, end in zip(article.paragraphs, chapter_starts, ends, strict=True)
    )
    cues = tuple(
        Cue(ms(heard(span.start)), ms(heard(span.end)), sentence.written)
        for p, s in zip(article.paragraphs, spans, strict=True)
        for sentence, span in zip(p.sentences, s.sentences, strict=True)
    )
    return Timeline(duration_ms=ms(layout.total_samples), chapters=chapters, cues=cues)
