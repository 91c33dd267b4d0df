"""The compact CRF tags exactly as libwapiti does with the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest
import wapiti  # type: ignore[import-untyped]

from narrator.text.ezafe import tokenize
from narrator.text.ezafe_model import CompactCrf, ModelFormatError, load_compact, shipped_model_path
from narrator.text.wapiti_reader import build_from_wapiti
from tests.ezafe_eval import read_gold

GOLD = Path(__file__).parent / "ezafe" / "gold.txt"
SEED = Path(__file__).parents[1] / "seeds" / "000_3a98ce0cadde2fff.txt"


@pytest.fixture(scope="module")
def compact(tmp_path_factory: pytest.TempPathFactory) -> CompactCrf:
    return load_compact(cache_dir=tmp_path_factory.getbasetemp() / "ezafe-cache")


def test_compact_tags_equal_libwapiti_on_every_gold_sentence(compact: CompactCrf) -> None:
    reference = wapiti.Model(model=str(shipped_model_path()))
    sentences = [s.text for s in read_gold(GOLD)]
    sentences.append("به گزارش «ایسنا»، دو هزار و سیصد نفر در 1402 ثبت‌نام کردند!")
    compared = 0
    for sentence in sentences:
        words = [t.text for t in tokenize(sentence)]
        expected = reference.label_sequence("\n".join(words)).decode("utf-8").split()
        assert compact.tag(words) == expected, sentence
        compared += len(words)
    assert compared > 1400


def test_long_sentences_tag_as_libwapiti_does(compact: CompactCrf) -> None:
    """News sentences run to 40 or 60 words: their transition weights are summed per distinct
    feature row (the path short sentences do not take). The seed's paragraphs, and gold sentences
    run together in fours, against libwapiti."""
    reference = wapiti.Model(model=str(shipped_model_path()))
    gold = [s.text for s in read_gold(GOLD)]
    seed = [line for line in SEED.read_text("utf-8").splitlines() if line.strip()]
    sentences = seed + [" ".join(gold[at : at + 4]) for at in range(0, len(gold), 4)]
    lengths = []
    for sentence in sentences:
        words = [t.text for t in tokenize(sentence)]
        expected = reference.label_sequence("\n".join(words)).decode("utf-8").split()
        assert compact.tag(words) == expected, sentence
        lengths.append(len(words))
    assert sum(n >= 40 for n in lengths) >= 8


def test_features_follow_wapiti_patterns(compact: CompactCrf) -> None:
    tokens = ["قیمت".encode(), b"."]
    features = compact.features(tokens, 0)
    assert "u:w=قیمت".encode() in features
    assert b"u:wl=_x-1" in features and b"u:wll=_x-2" in features and b"u:wr=." in features
    assert "*:p2=ق".encode() in features  # byte prefixes and suffixes, as Wapiti's regexes match bytes
    assert "*:s2=ت".encode() in features
    assert b"*:p?r=true" in features and b"*:p?=false" in features and b"*:n?l=true" in features


def test_unreadable_models_raise_model_format_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"#mdl#2#5\n#rdr#x\n")
    with pytest.raises(ModelFormatError):
        build_from_wapiti(bad)
    with pytest.raises(ModelFormatError):
        CompactCrf.load(bad)
