"""Publishing one narration: tags on the encoded MP3, the sidecar files and the manifest, all moved
into place together once everything is written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from narrator import __version__
from narrator.atomic import staged_files
from narrator.audio_settings import EncodeSettings, LoudnessReport
from narrator.files import MP4_SUFFIXES, NarrationFiles
from narrator.model import Article, Timeline
from narrator.publish.cover import Cover
from narrator.publish.id3 import TagInfo, write_tags
from narrator.publish.manifest import (
    FORMAT,
    FORMAT_VERSION,
    AudioInfo,
    Files,
    LoudnessInfo,
    Manifest,
    ParagraphEntry,
    SentenceEntry,
    SourceInfo,
    WordEntry,
    finite,
    format_time,
    narration_guid,
    sha256_hex,
)
from narrator.publish.page import render_page
from narrator.publish.settings import DEFAULT_ALBUM as DEFAULT_ALBUM  # re-exported
from narrator.publish.settings import DEFAULT_AUTHOR as DEFAULT_AUTHOR
from narrator.publish.settings import PublishSettings as PublishSettings
from narrator.publish.sidecars import to_chapters_json, to_srt, to_vtt
from narrator.record import record
from narrator.strings import clean_text

LANGUAGE = "fa"  # BCP 47, for transcripts, the feed and the manifest
ID3_LANGUAGE = "fas"  # ISO 639-2, for ID3


@record
class EpisodeDetails:
    """Everything about a narration besides its article and timeline."""

    engine: str
    voice: str  # the voice heard, as the engine labels it
    album: str
    source: SourceInfo
    created: datetime
    encode: EncodeSettings
    loudness: LoudnessReport | None = None
    cover: Cover | None = None


def source_of_article(article: Article, label: str | None = None) -> SourceInfo:
    """Source info when no file is at hand: the checksum of the article's written text."""
    text = "\n\n".join([article.title, *(p.written for p in article.paragraphs)])
    return SourceInfo(name=clean_text(label or article.title), sha256=sha256_hex(text.encode("utf-8")))


def tag_info(article: Article, details: EpisodeDetails) -> TagInfo:
    """The ID3 tags of a narration."""
    return TagInfo(
        title=article.title,
        language=ID3_LANGUAGE,
        artist=f"{details.engine} ({details.voice})",
        album=clean_text(details.album),
        date=details.created.strftime("%Y-%m-%dT%H:%M:%S"),
        genre="Podcast",
        comment=details.source.name,
        lyrics="\n\n".join(p.written for p in article.paragraphs),
        author=details.source.author,
        publisher=details.source.site,
        published=details.source.published,
        cover=details.cover,
        encoder=f"narrator {__version__}",
    )


def build_manifest(
    article: Article, timeline: Timeline, details: EpisodeDetails, paths: NarrationFiles, audio_bytes: int
) -> Manifest:
    """The manifest of a narration whose MP3 has ``audio_bytes`` bytes."""
    cues = iter(timeline.cues)
    paragraphs: list[ParagraphEntry] = []
    number = 0
    for index, (paragraph, chapter) in enumerate(zip(article.paragraphs, timeline.chapters, strict=True)):
        sentences: list[SentenceEntry] = []
        for sentence in paragraph.sentences:
            cue = next(cues)
            timed = timeline.words[number] if number < len(timeline.words) else ()
            words = tuple(WordEntry(w.start_ms, w.end_ms, w.text) for w in timed)
            entry = SentenceEntry(number, cue.start_ms, cue.end_ms, sentence.written, sentence.spoken, words)
            sentences.append(entry)
            number += 1
        paragraphs.append(
            ParagraphEntry(
                index, chapter.start_ms, chapter.end_ms, chapter.title, paragraph.written, tuple(sentences)
            )
        )
    report = details.loudness
    return Manifest(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        narrator_version=__version__,
        guid=narration_guid(details.source.sha256, details.engine, details.voice),
        created=format_time(details.created),
        title=article.title,
        language=LANGUAGE,
        duration_ms=timeline.duration_ms,
        engine=details.engine,
        voice=details.voice,
        album=clean_text(details.album),
        source=details.source,
        audio=AudioInfo(
            bytes=audio_bytes,
            sample_rate=details.encode.sample_rate,
            bitrate_kbps=details.encode.bitrate_kbps,
            channels=details.encode.channels,
        ),
        loudness=None if report is None else _loudness_info(report),
        files=Files(
            mp3=paths.audio.name,
            vtt=paths.vtt.name,
            srt=paths.srt.name,
            chapters=paths.chapters.name,
            manifest=paths.manifest.name,
        ),
        paragraphs=tuple(paragraphs),
    )


def _loudness_info(report: LoudnessReport) -> LoudnessInfo:
    return LoudnessInfo(
        target_lufs=report.target_lufs,
        input_lufs=finite(report.input_lufs),
        input_true_peak_dbtp=finite(report.input_true_peak_dbtp),
        gain_db=round(report.gain_db, 2),
        limited=report.limited,
        output_lufs=finite(report.output_lufs),
        output_true_peak_dbtp=finite(report.output_true_peak_dbtp),
    )


def finish_episode(
    partial: Path, target: Path, article: Article, timeline: Timeline, details: EpisodeDetails,
    sidecars: bool = True,
) -> Manifest:
    """Tag the encoded MP3 ``partial``, write the sidecars, then move all of them into place.

    The MP3 is moved first and the manifest last, so a manifest always describes complete files;
    if anything fails before that, no file of this narration is left behind.
    """
    if target.suffix.lower() in MP4_SUFFIXES:
        from narrator.publish.mp4tags import write_mp4_tags  # mutagen's MP4 code, for MP4 alone

        write_mp4_tags(partial, tag_info(article, details), audiobook=target.suffix.lower() == ".m4b")
    else:
        write_tags(partial, tag_info(article, details), timeline)
    paths = NarrationFiles.beside(target)
    manifest = build_manifest(article, timeline, details, paths, partial.stat().st_size)
    with staged_files() as stage:
        stage.add_file(partial, target)
        if not sidecars:  # an audio file alone (``narrator say``)
            stage.commit()
            return manifest
        stage.add(paths.vtt, to_vtt(timeline.caption_cues, LANGUAGE).encode("utf-8"))
        stage.add(paths.srt, to_srt(timeline.caption_cues).encode("utf-8"))
        stage.add(paths.chapters, to_chapters_json(timeline, article.title, target.name).encode("utf-8"))
        page = render_page(article.title, target.name, timeline, details.created)
        stage.add(paths.page, page.encode("utf-8"))
        stage.add(paths.manifest, manifest.to_json().encode("utf-8"))
        stage.commit()
    return manifest
