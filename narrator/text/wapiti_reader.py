"""Reading gruut-lang-fa's Wapiti model (69 MB of text) into :class:`CompactCrf`, once.

Wapiti's text format: header lines, then ``len:bytes,`` quarks for the labels, the patterns and
each observation, then the non-zero weights. The file is streamed; only non-zero weights are
kept, in CSR rows keyed by each observation's 64-bit hash (:func:`feature_hash`). Imported by
:func:`narrator.text.ezafe_model.load_compact` only when its cache file is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from narrator.text.ezafe_model import CompactCrf, FloatArray, ModelFormatError, feature_hash


class _Reader:
    """Streaming reader over the Wapiti text format (``len:bytes,`` quarks, header lines)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def line(self) -> bytes:
        text = self.stream.readline()
        if not text.endswith(b"\n"):
            raise ModelFormatError("the model ends early")
        return text[:-1]

    def quark(self) -> bytes:
        text = self.stream.readline()
        colon = text.find(b":")
        if colon < 0:
            raise ModelFormatError("bad string entry")
        length = int(text[:colon])
        while len(text) < colon + 1 + length + 2:  # the string itself holds a newline
            more = self.stream.readline()
            if not more:
                raise ModelFormatError("the model ends early")
            text += more
        start = colon + 1
        if text[start + length :] != b",\n":
            raise ModelFormatError("bad string entry")
        return text[start : start + length]

    def count(self, prefix: bytes) -> int:
        header = self.line()
        if not header.startswith(prefix):
            raise ModelFormatError(f"expected {prefix!r}, found {header[:20]!r}")
        return int(header[len(prefix) :].split(b"/")[0])


_WEIGHT_BATCH = 1 << 12  # weight lines parsed at a time (few small objects alive at once)


def build_from_wapiti(path: Path) -> CompactCrf:
    """Read a Wapiti CRF model file and keep its non-zero weights in compact arrays.

    The file is streamed: observations are kept as their hashes and kinds, weights as two numeric
    arrays, so memory stays near the size of the result (not of the 69 MB text and its lines).
    """
    try:
        with path.open("rb") as stream:
            reader = _Reader(stream)
            header = reader.line()
            if not header.startswith(b"#mdl#2#"):
                raise ModelFormatError(f"{path} is not a Wapiti CRF model")
            active = int(header.split(b"#")[-1])
            patterns = [reader.quark() for _ in range(reader.count(b"#rdr#"))]
            labels = [reader.quark().decode("utf-8") for _ in range(reader.count(b"#qrk#"))]
            count = reader.count(b"#qrk#")
            hashes = np.zeros(count, np.uint64)
            kinds = np.zeros(count, np.uint8)
            for number in range(count):
                observation = reader.quark()
                hashes[number] = feature_hash(observation)
                kinds[number] = observation[0] if observation else 0
            index = np.zeros(active, np.int64)
            weight = np.zeros(active, np.float64)
            for start in range(0, active, _WEIGHT_BATCH):
                stop = min(active, start + _WEIGHT_BATCH)
                pairs = [reader.line().split(b"=", 1) for _ in range(start, stop)]
                index[start:stop] = [int(at) for at, _ in pairs]
                weight[start:stop] = [float.fromhex(value.decode()) for _, value in pairs]
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        if isinstance(exc, ModelFormatError):
            raise
        raise ModelFormatError(f"{path} is not a readable Wapiti model: {exc}") from exc
    return _compact(patterns, labels, hashes, kinds, index, weight)


def _compact(patterns: list[bytes], labels: list[str], hashes: npt.NDArray[np.uint64],
             kinds: npt.NDArray[np.uint8], index: npt.NDArray[np.int64],
             weight: npt.NDArray[np.float64]) -> CompactCrf:
    """Lay Wapiti's flat weight vector out as sparse per-observation rows, sorted by hash.

    Wapiti's ``mdl_sync`` layout gives each observation a block of weight slots (``u``: one per
    label, ``b``: one per label pair, ``*``: both); a weight's owner is found by searching the
    blocks' starts, so nothing is allocated per slot.
    """
    size = len(labels)
    unigram = (kinds == ord("u")) | (kinds == ord("*"))
    bigram = (kinds == ord("b")) | (kinds == ord("*"))
    widths = np.stack([np.where(unigram, size, 0), np.where(bigram, size * size, 0)], axis=1).ravel()
    block_start = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
    total = int(widths.sum())
    if index.size and (index.max() >= total or index.min() < 0):
        raise ModelFormatError("weight index outside the model")
    keep = weight != 0
    index, weight = index[keep], weight[keep].astype(np.float32)
    has = np.flatnonzero(widths)  # blocks that exist: 2 * observation + (0 unigram, 1 bigram)
    block = has[np.searchsorted(block_start[has], index, side="right") - 1]
    slot = (index - block_start[block]).astype(np.int32)
    del index
    owner, is_bigram = (block // 2).astype(np.int32), (block % 2).astype(bool)
    del block
    if len(np.unique(hashes)) != len(hashes):
        raise ModelFormatError("two features share a hash; the compact form cannot hold them")
    order = np.argsort(hashes)
    rank = np.empty(len(order), np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    arrays: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], FloatArray]] = []
    for want in (False, True):
        chosen = is_bigram == want
        rows = rank[owner[chosen]]
        by_row = np.lexsort((slot[chosen], rows))
        starts = np.searchsorted(rows[by_row], np.arange(len(hashes) + 1)).astype(np.int64)
        arrays.append((starts, slot[chosen][by_row], weight[chosen][by_row]))
    (uni_start, uni_slot, uni_weight), (bi_start, bi_slot, bi_weight) = arrays
    return CompactCrf(
        labels=tuple(labels), patterns=tuple(patterns), keys=hashes[order],
        uni_start=uni_start, uni_label=uni_slot.astype(np.uint8), uni_weight=uni_weight,
        bi_start=bi_start, bi_pair=bi_slot.astype(np.uint16), bi_weight=bi_weight,
    )


