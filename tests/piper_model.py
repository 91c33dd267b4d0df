"""Build a tiny ONNX voice with the same inputs and outputs as a Piper VITS voice.

Inputs: ``input`` int64 [1, N] phoneme ids, ``input_lengths`` int64 [1], ``scales`` float32 [3]
(noise, length, noise_w), and for multi-speaker voices ``sid`` int64 [1]. Output: ``output``
float32 [1, 1, T]. Like a VITS voice, the model gives each phoneme id a whole number of frames,
``w_ceil = ceil(length_scale * (1 + id % 3))`` (its only ``Ceil`` node, which Piper can expose as
an alignment output), and speaks a sine tone of ``T = HOP * sum(w_ceil)`` samples, so tests can
predict durations and alignments exactly from the phoneme ids Piper feeds it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import onnx
from onnx import TensorProto, helper

SAMPLE_RATE = 16000
HOP = 256  # samples per frame (Piper's hop_length)
TONE_HZ = 220.0


def _const(name: str, value: float | int, dtype: int) -> onnx.NodeProto:
    return helper.make_node(
        "Constant", [], [name], value=helper.make_tensor(name + "_v", dtype, [], [value])
    )


def build_model(speakers: int = 1, alignable: bool = True) -> onnx.ModelProto:
    """The ONNX graph: ``output = 0.5 * sin(2π f t / sr)`` for ``HOP * sum(w_ceil)`` samples.

    ``alignable=False`` rounds instead of ``Ceil`` (equal at length_scale 1), so Piper finds no
    tensor to expose and the voice gives no alignments, like a model exported differently.
    """
    nodes = [
        _const("hop", float(HOP), TensorProto.FLOAT),
        _const("one_i", 1, TensorProto.INT64),
        _const("three_i", 3, TensorProto.INT64),
        _const("zero_f", 0.0, TensorProto.FLOAT),
        _const("one_f", 1.0, TensorProto.FLOAT),
        _const("omega", 2 * math.pi * TONE_HZ / SAMPLE_RATE, TensorProto.FLOAT),
        _const("amp", 0.5, TensorProto.FLOAT),
        helper.make_node("Constant", [], ["out_shape"],
                         value=helper.make_tensor("os", TensorProto.INT64, [3], [1, 1, -1])),
        helper.make_node("Mod", ["input", "three_i"], ["id_mod"]),
        helper.make_node("Cast", ["id_mod"], ["id_mod_f"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["id_mod_f", "one_f"], ["w_base"]),
        helper.make_node("Gather", ["scales", "one_i"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["w_base", "length_scale"], ["w"]),
        helper.make_node("Ceil" if alignable else "Round", ["w"], ["w_ceil"]),
        helper.make_node("ReduceSum", ["w_ceil"], ["frames"], keepdims=0),
        helper.make_node("Mul", ["frames", "hop"], ["samples"]),
        helper.make_node("Range", ["zero_f", "samples", "one_f"], ["t"]),
        helper.make_node("Mul", ["t", "omega"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "amp"], ["scaled"]),
        helper.make_node("Reshape", ["scaled", "out_shape"], ["output"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if speakers > 1:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])
    graph = helper.make_graph(nodes, "tiny_piper_voice", inputs, [output])
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="narrator-tests"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def build_config(speakers: int = 1) -> dict[str, object]:
    """A Piper voice configuration matching :func:`build_model` (Persian espeak phonemes)."""
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    return {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "x_low"},
        "espeak": {"voice": "fa"},
        "language": {"code": "fa_IR", "family": "fa", "region": "IR"},
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "num_symbols": 1 + max(i for ids in DEFAULT_PHONEME_ID_MAP.values() for i in ids),
        "num_speakers": speakers,
        "speaker_id_map": {f"speaker{i}": i for i in range(speakers)} if speakers > 1 else {},
        "piper_version": "1.0.0",
    }


def write_voice(
    folder: Path, name: str = "fa_IR-tiny-x_low", speakers: int = 1, alignable: bool = True
) -> Path:
    """Write ``NAME.onnx`` and ``NAME.onnx.json`` into ``folder``; return the model's path."""
    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / f"{name}.onnx"
    onnx.save(build_model(speakers, alignable), str(model_path))
    (folder / f"{name}.onnx.json").write_text(json.dumps(build_config(speakers), ensure_ascii=False), "utf-8")
    return model_path


def frames_for(ids: list[int], length_scale: float = 1.0) -> list[int]:
    """The frames the model gives each phoneme id (its ``w_ceil``)."""
    return [math.ceil(length_scale * (1 + i % 3)) for i in ids]
