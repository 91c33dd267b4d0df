"""Transcripts, JSON chapters and the manifest beside each MP3, checked against the decoded audio."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from narrator.audio.assemble import CHAPTER_LEAD_MS
from narrator.audio_settings import LoudnessTarget
from narrator.errors import EngineError, InputError
from narrator.model import Clip
from narrator.publish.manifest import FORMAT_VERSION, load_manifest
from narrator.publish.sidecars import to_vtt, vtt_time
from tests.audio_check import decode_mp3
from tests.fakes import ToneEngine
from tests.podcast_fixtures import narrate_tones, podcast_options, tone_article, tone_runs

TOLERANCE_MS = 50
VTT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)")
SRT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)")


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def parse_cues(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) of every cue in a WebVTT or SRT file's text."""
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        for number, line in enumerate(lines):
            match = pattern.fullmatch(line)
            if match:
                g = match.groups()
                cues.append((_ms(*g[:4]), _ms(*g[4:]), "\n".join(lines[number + 1 :])))
    return cues


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sidecars")
    narrate_tones(folder)
    return folder


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Narrated so loud (-8 LUFS) that the limiter must work on every tone."""
    folder = tmp_path_factory.mktemp("limited")
    result = narrate_tones(folder, options=replace(podcast_options(), loudness=LoudnessTarget(-8.0)))
    assert result.loudness is not None and result.loudness.limited
    return folder


def test_every_file_is_written_beside_the_mp3_and_no_temporary_is_left(narrated: Path) -> None:
    names = sorted(p.name for p in narrated.iterdir() if not p.name.endswith(".html"))
    assert names == ["tones.chapters.json", "tones.json", "tones.mp3", "tones.srt", "tones.vtt"]


@pytest.mark.parametrize("folder_name", ["narrated", "limited"])
def test_vtt_cues_match_the_tones_heard_in_the_mp3(folder_name: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(folder_name)
    cues = parse_cues((folder / "tones.vtt").read_text("utf-8"), VTT_CUE)
    heard = tone_runs(decode_mp3(folder / "tones.mp3"), 44100)
    assert len(heard) == len(cues) == sum(len(p.sentences) for p in tone_article().paragraphs)
    errors = [abs(c[0] - h[0]) for c, h in zip(cues, heard, strict=True)]
    errors += [abs(c[1] - h[1]) for c, h in zip(cues, heard, strict=True)]
    print(f"{folder_name}: max cue timing error {max(errors):.0f} ms")
    assert max(errors) <= TOLERANCE_MS


def test_srt_has_the_same_cues_as_vtt(narrated: Path) -> None:
    vtt = parse_cues((narrated / "tones.vtt").read_text("utf-8"), VTT_CUE)
    srt = parse_cues((narrated / "tones.srt").read_text("utf-8"), SRT_CUE)
    assert [c[:2] for c in srt] == [c[:2] for c in vtt]
    written = [s.written for s in tone_article().sentences]
    assert [c[2] for c in srt] == written
    blocks = (narrated / "tones.srt").read_text("utf-8").strip().split("\n\n")
    numbers = [block.splitlines()[0] for block in blocks]
    assert numbers == [str(i) for i in range(1, len(written) + 1)]


def test_vtt_has_language_header_and_escaped_text(narrated: Path) -> None:
    text = (narrated / "tones.vtt").read_text("utf-8")
    header = text.split("\n\n")[0].splitlines()
    assert header[0] == "WEBVTT" and "Language: fa" in header
    cues = parse_cues(text, VTT_CUE)
    assert cues[0][2] == "جملهٔ 1.1 &lt;ب&gt; &amp; «نقل» --&gt; پایان."
    assert text.count("-->") == len(cues), "no cue text may contain a cue-timing arrow"


def test_chapters_json_starts_each_chapter_in_the_pause_before_its_paragraph(narrated: Path) -> None:
    data = json.loads((narrated / "tones.chapters.json").read_text("utf-8"))
    assert data["version"] == "1.2.0" and data["fileName"] == "tones.mp3"
    chapters = data["chapters"]
    article = tone_article()
    assert len(chapters) == len(article.paragraphs)
    assert all(isinstance(c["startTime"], float) and isinstance(c["endTime"], float) for c in chapters)
    heard = tone_runs(decode_mp3(narrated / "tones.mp3"), 44100)
    decoded_ms = len(decode_mp3(narrated / "tones.mp3")) * 1000 / 44100
    first_tone = 0
    for chapter, paragraph in zip(chapters, article.paragraphs, strict=True):
        start_ms, end_ms = chapter["startTime"] * 1000, chapter["endTime"] * 1000
        onset = heard[first_tone][0]
        if first_tone == 0:
            assert start_ms == 0
        else:
            previous_end = heard[first_tone - 1][1]
            assert previous_end < start_ms < onset, "a chapter starts in the silence before its paragraph"
            assert abs(onset - start_ms - CHAPTER_LEAD_MS) <= TOLERANCE_MS
        last = heard[first_tone + len(paragraph.sentences) - 1]
        assert end_ms >= last[1] - TOLERANCE_MS, "a chapter holds all of its paragraph's speech"
        first_tone += len(paragraph.sentences)
    assert abs(chapters[-1]["endTime"] * 1000 - decoded_ms) <= TOLERANCE_MS


def test_manifest_describes_the_narration(narrated: Path) -> None:
    manifest = load_manifest(narrated / "tones.json")
    article = tone_article()
    assert manifest.format_version == FORMAT_VERSION
    assert manifest.title == article.title and manifest.language == "fa"
    assert manifest.engine == "tone" and manifest.voice
    assert len(manifest.paragraphs) == 3 and len(manifest.sentences) == 6
    assert [s.text for s in manifest.sentences] == [s.written for s in article.sentences]
    assert [s.spoken for s in manifest.sentences] == [s.spoken for s in article.sentences]
    assert [s.index for s in manifest.sentences] == list(range(6))
    vtt = parse_cues((narrated / "tones.vtt").read_text("utf-8"), VTT_CUE)
    assert [(s.start_ms, s.end_ms) for s in manifest.sentences] == [c[:2] for c in vtt]
    chapters = json.loads((narrated / "tones.chapters.json").read_text("utf-8"))["chapters"]
    assert [p.start_ms / 1000 for p in manifest.paragraphs] == [c["startTime"] for c in chapters]
    decoded_ms = len(decode_mp3(narrated / "tones.mp3")) * 1000 / 44100
    assert abs(manifest.duration_ms - decoded_ms) <= TOLERANCE_MS
    assert manifest.audio.bytes == (narrated / "tones.mp3").stat().st_size
    assert manifest.files.mp3 == "tones.mp3" and manifest.files.vtt == "tones.vtt"
    assert manifest.files.srt == "tones.srt" and manifest.files.chapters == "tones.chapters.json"
    assert re.fullmatch(r"[0-9a-f]{64}", manifest.source.sha256)
    assert manifest.loudness is not None and manifest.loudness.output_lufs is not None
    assert abs(manifest.loudness.output_lufs - -16) <= 0.5


def test_manifest_checksum_and_guid_follow_the_text_not_the_time(tmp_path: Path) -> None:
    first = narrate_tones(tmp_path / "a").manifest
    again = narrate_tones(tmp_path / "b").manifest
    other = narrate_tones(tmp_path / "c", article=tone_article(salt="!")).manifest
    assert first is not None and again is not None and other is not None
    assert first.source.sha256 == again.source.sha256 and first.guid == again.guid
    assert other.source.sha256 != first.source.sha256 and other.guid != first.guid


def test_vtt_time_format() -> None:
    assert vtt_time(3_723_045) == "01:02:03.045"
    assert to_vtt([]).startswith("WEBVTT\n")


class FailingEngine(ToneEngine):
    """Fails on the fourth sentence, after audio has been written."""

    def synthesize(self, text: str) -> Clip:
        if len(self.spoken) == 3:
            raise EngineError("the voice broke down")
        return super().synthesize(text)


def test_a_failed_narration_leaves_no_file_behind(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        narrate_tones(tmp_path, engine=FailingEngine())
    assert list(tmp_path.iterdir()) == []


def test_an_older_manifest_is_refused_naming_the_file(narrated: Path, tmp_path: Path) -> None:
    data = json.loads((narrated / "tones.json").read_text("utf-8"))
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**data, "format_version": FORMAT_VERSION - 1}), "utf-8")
    with pytest.raises(InputError, match=r"old\.json: .*format version 0.*older narrator"):
        load_manifest(old)
    del data["paragraphs"][0]["sentences"][0]["spoken"]
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps(data), "utf-8")
    field = r"paragraphs\[0\]\.sentences\[0\]\.'spoken'"
    with pytest.raises(InputError, match=rf"missing\.json: .*missing field {field}"):
        load_manifest(missing)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", "utf-8")
    with pytest.raises(InputError, match=r"garbage\.json: is not a JSON manifest"):
        load_manifest(garbage)
