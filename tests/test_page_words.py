"""Word times reach the manifest, so a page rewritten from it still highlights words."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from narrator.pipeline import NarrateOptions, render
from narrator.publish.index import write_pages
from tests.fakes import WordToneEngine
from tests.podcast_fixtures import tone_article


def test_word_times_round_trip_through_the_manifest(tmp_path: Path) -> None:
    article = tone_article()
    result = render(article, WordToneEngine(), tmp_path / "w.mp3", replace(NarrateOptions(), cache=None))
    page = tmp_path / "w.page.html"
    original = page.read_text("utf-8")
    assert original.count('class="w"') == sum(len(s.written.split()) for s in article.sentences)
    manifest = json.loads((tmp_path / "w.json").read_text("utf-8"))
    first = manifest["paragraphs"][0]["sentences"][0]
    assert [w["text"] for w in first["words"]] == article.sentences[0].written.split()
    assert [(w["start_ms"], w["end_ms"]) for w in first["words"]] == [
        (w.start_ms, w.end_ms) for w in result.timeline.words[0]
    ]
    page.unlink()
    assert write_pages(tmp_path) == [page]
    assert page.read_text("utf-8") == original
