"""The piper engine, run for real (piper-tts + onnxruntime + espeak-ng) on a tiny ONNX voice."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from narrator.engines.base import EngineOptions
from narrator.engines.piper import PiperEngine, length_scale
from narrator.engines.piper import _synthesis_lock as synthesis_lock
from narrator.engines.voices import VOICES_ENV, find_voices, resolve_voice, voices_dir
from narrator.errors import EngineError, EngineUnavailable, InputError
from tests.piper_model import HOP, SAMPLE_RATE, TONE_HZ, frames_for, write_voice

TEXT = "سلام دنیا. امروز هوا خوب است."


def phoneme_ids(text: str) -> list[list[int]]:
    """The phoneme ids Piper feeds the model for each sentence of ``text`` (espeak-ng's Persian)."""
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP, phonemes_to_ids
    from piper.phonemize_espeak import EspeakPhonemizer

    with synthesis_lock:  # piper's espeak-ng is global state: never phonemize beside a synthesis
        sentences = EspeakPhonemizer().phonemize("fa", text)
    return [phonemes_to_ids(s, DEFAULT_PHONEME_ID_MAP) for s in sentences]


def expected_frames(text: str, scale: float = 1.0) -> int:
    """Samples the tiny model speaks for ``text``: HOP per frame, frames per id as the model gives."""
    return sum(sum(frames_for(ids, scale)) * HOP for ids in phoneme_ids(text))


@pytest.fixture
def voices(tmp_path: Path) -> Path:
    folder = tmp_path / "voices"
    write_voice(folder)
    return folder


def test_voice_by_name_speaks_the_model_output(voices: Path) -> None:
    engine = PiperEngine(EngineOptions(voice="fa_IR-tiny-x_low"), voices_folder=voices)
    assert engine.available() is None
    clip = engine.synthesize(TEXT)
    assert clip.sample_rate == SAMPLE_RATE
    assert clip.frames == expected_frames(TEXT) > 40 * HOP
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64)
    assert 30000 < np.abs(samples).max() <= 32767  # piper normalizes each sentence to full scale
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(samples)
    assert abs(peak_hz - TONE_HZ) < 2


def test_word_timings_come_from_the_phoneme_alignments(voices: Path) -> None:
    clip = PiperEngine(EngineOptions(), voices_folder=voices).synthesize(TEXT)
    frame_ms = HOP * 1000 // SAMPLE_RATE  # 16 ms
    assert [w.text for w in clip.words] == TEXT.split()
    # Frames per id are 1 + id % 3: "^" (1) and "_" (0) lead in, "." (10) "_" "$" (2) close.
    assert clip.words[0].start_ms == 3 * frame_ms
    assert clip.words[-1].end_ms == clip.duration_ms - 6 * frame_ms
    gaps = [b.start_ms - a.end_ms for a, b in zip(clip.words, clip.words[1:], strict=False)]
    # " " (3) and "_" between words; ". _ $" then "^ _" between the two sentences.
    assert gaps == [2 * frame_ms, 9 * frame_ms, 2 * frame_ms, 2 * frame_ms, 2 * frame_ms]
    assert all(w.start_ms < w.end_ms for w in clip.words)


def test_no_word_timings_when_espeak_says_other_words(voices: Path) -> None:
    clip = PiperEngine(EngineOptions(), voices_folder=voices).synthesize("سال ۱۴۰۲")
    assert clip.words == () and clip.frames == expected_frames("سال ۱۴۰۲")


def test_no_word_timings_from_a_voice_without_alignments(tmp_path: Path) -> None:
    write_voice(tmp_path, name="fa_IR-plain-medium", alignable=False)
    clip = PiperEngine(EngineOptions(), voices_folder=tmp_path).synthesize(TEXT)
    assert clip.words == () and clip.frames == expected_frames(TEXT)


def test_longer_text_gives_longer_audio(voices: Path) -> None:
    engine = PiperEngine(EngineOptions(), voices_folder=voices)
    short, long = engine.synthesize("سلام"), engine.synthesize("سلام. این یک جملهٔ بلندتر است.")
    assert short.duration_ms < long.duration_ms
    assert short.frames == expected_frames("سلام")


def test_voice_by_path_with_config_beside_it(tmp_path: Path) -> None:
    model = write_voice(tmp_path / "elsewhere", name="my-voice")
    engine = PiperEngine(EngineOptions(voice=str(model)), voices_folder=tmp_path / "empty")
    assert engine.synthesize(TEXT).frames == expected_frames(TEXT)


def test_plain_json_config_is_accepted(tmp_path: Path) -> None:
    model = write_voice(tmp_path, name="plain")
    model.with_name("plain.onnx.json").rename(tmp_path / "plain.json")
    assert resolve_voice(str(model)).config == tmp_path / "plain.json"


def test_rate_changes_length_scale(voices: Path) -> None:
    fast = PiperEngine(EngineOptions(rate=100), voices_folder=voices)
    slow = PiperEngine(EngineOptions(rate=-50), voices_folder=voices)
    assert fast.synthesize(TEXT).frames == expected_frames(TEXT, 0.5)
    assert slow.synthesize(TEXT).frames == expected_frames(TEXT, 2.0)
    assert fast.settings_key() != slow.settings_key()
    with pytest.raises(InputError, match="between -50 and"):
        PiperEngine(EngineOptions(rate=300), voices_folder=voices).synthesize(TEXT)
    assert length_scale(25, 1.0) == pytest.approx(0.8)


def test_multi_speaker_voice_gets_a_speaker_id(tmp_path: Path) -> None:
    write_voice(tmp_path, name="fa_IR-multi-medium", speakers=3)
    engine = PiperEngine(EngineOptions(), voices_folder=tmp_path)
    assert engine.synthesize(TEXT).frames == expected_frames(TEXT)


def test_parallel_synthesis_is_consistent(voices: Path) -> None:
    engine = PiperEngine(EngineOptions(), voices_folder=voices)
    texts = [TEXT, "سلام", "کتاب خوب است."] * 3
    with ThreadPoolExecutor(max_workers=3) as pool:
        clips = list(pool.map(engine.synthesize, texts))
    assert [c.frames for c in clips] == [expected_frames(t) for t in texts]


def test_nothing_to_say_is_an_engine_error(voices: Path) -> None:
    with pytest.raises(EngineError, match="no audio"):
        PiperEngine(EngineOptions(), voices_folder=voices).synthesize("")


def test_find_voices_lists_complete_voices_and_prefers_known_persian(tmp_path: Path) -> None:
    write_voice(tmp_path, name="fa_IR-zzz-low")
    write_voice(tmp_path, name="fa_IR-amir-medium")
    write_voice(tmp_path, name="en_US-lessac-medium")
    (tmp_path / "orphan.onnx").write_bytes(b"no config beside me")
    names = [v.name for v in find_voices(tmp_path)]
    assert names == ["en_US-lessac-medium", "fa_IR-amir-medium", "fa_IR-zzz-low"]
    assert resolve_voice(None, tmp_path).name == "fa_IR-amir-medium"
    assert find_voices(tmp_path / "missing") == []


def test_voices_dir_from_environment_or_user_data(tmp_path: Path) -> None:
    assert voices_dir({VOICES_ENV: str(tmp_path)}) == tmp_path
    default = voices_dir({})
    assert default.name == "voices" and default.parent.name == "narrator"


def test_missing_voice_says_where_to_put_one(tmp_path: Path) -> None:
    engine = PiperEngine(EngineOptions(voice="fa_IR-gyro-medium"), voices_folder=tmp_path)
    reason = engine.available()
    assert reason is not None and str(tmp_path) in reason and VOICES_ENV in reason and ".onnx.json" in reason
    with pytest.raises(EngineUnavailable, match="no Piper voice named 'fa_IR-gyro-medium'"):
        engine.synthesize(TEXT)
    none_installed = PiperEngine(EngineOptions(), voices_folder=tmp_path)
    with pytest.raises(EngineUnavailable, match="no Persian Piper voice found"):
        none_installed.synthesize(TEXT)
    with pytest.raises(EngineUnavailable, match="does not exist"):
        PiperEngine(EngineOptions(voice=str(tmp_path / "x.onnx"))).synthesize(TEXT)


def test_model_without_config_is_explained(tmp_path: Path) -> None:
    model = write_voice(tmp_path, name="lonely")
    model.with_name("lonely.onnx.json").unlink()
    with pytest.raises(EngineUnavailable, match=r"has no lonely\.onnx\.json beside it"):
        PiperEngine(EngineOptions(voice=str(model))).synthesize(TEXT)


def test_corrupt_model_is_explained(tmp_path: Path) -> None:
    model = write_voice(tmp_path, name="fa_IR-broken-medium")
    model.write_bytes(b"this is not an onnx file" * 10)
    engine = PiperEngine(EngineOptions(voice="fa_IR-broken-medium"), voices_folder=tmp_path)
    reason = engine.available()
    assert reason is not None and "fa_IR-broken-medium.onnx is not usable" in reason
    assert "download the voice again" in reason and str(tmp_path) in reason
    with pytest.raises(EngineUnavailable, match="not usable"):
        engine.synthesize(TEXT)


def test_corrupt_config_is_explained(tmp_path: Path) -> None:
    model = write_voice(tmp_path, name="fa_IR-badjson-medium")
    model.with_name(model.name + ".json").write_text("{not json", "utf-8")
    broken = r"configuration fa_IR-badjson-medium\.onnx\.json is not usable"
    with pytest.raises(EngineUnavailable, match=broken):
        PiperEngine(EngineOptions(voice=str(model))).synthesize(TEXT)
    model.with_name(model.name + ".json").write_text(json.dumps({"audio": {}}), "utf-8")
    with pytest.raises(EngineUnavailable, match="missing 'espeak'"):
        PiperEngine(EngineOptions(voice=str(model))).synthesize(TEXT)


def test_onnx_model_that_is_not_a_piper_voice(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "other",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = write_voice(tmp_path, name="fa_IR-other-medium")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(model))
    with pytest.raises(EngineUnavailable, match="are not Piper's"):
        PiperEngine(EngineOptions(voice=str(model))).synthesize(TEXT)
