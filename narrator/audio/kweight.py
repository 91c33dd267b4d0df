"""The BS.1770 K-weighting filter in numpy: its coefficients, and a streaming FFT filter.

K-weighting is two biquads (a high shelf, then a high pass). Their combined impulse response
decays geometrically, so it is computed once per sample rate and cut where it has fallen below
``TRUNCATION`` (with the filter's gain of about 1.5, the cut-off part changes no output sample by
more than about 1e-9 of full scale: far below what a loudness figure shows). The truncated
response is applied by FFT overlap-add, the tail of each block carried into the next, so a stream
cut into pieces of any size is filtered exactly as if it came whole.

Where only the energy of each 100 ms sub-block is wanted (a clip's loudness statistics),
:meth:`KWeighting.subblock_powers` sums the squares of each FFT block's output as it comes, the
blocks cut on the sub-block grid: the filtered signal is never gathered into an array of its own.
It filters in single precision (numpy's FFT keeps float32 as float32): a quarter less CPU than
double on the seed's clips, and each sub-block's power is still within about 1e-7 of the loudest
one's (1e-6 LU), where the gain is rounded to 0.5 dB. The squares are summed in double precision.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float64]

#: The impulse response is cut once it and the filters' state stay below this.
TRUNCATION = 1e-12
_MAX_SECONDS = 1.0  # a safety net: at any rate the response is below TRUNCATION well before this
_MIN_FFT = 1 << 14
#: Blocks filtered at a time. Two rows of the FFT are transformed together (numpy vectorizes
#: across them); more rows make the arrays outgrow a core's cache: eight took 36 ms a minute of
#: speech alone and 46 ms beside a LAME encode on the other core, two 27 ms either way (a
#: narration runs its filters beside its encoders). Every row is the same transform: the
#: results are bit for bit those of any other count.
_ROWS = 2


def k_weighting(rate: int) -> npt.NDArray[np.float64]:
    """The BS.1770 K-weighting filter (high shelf, then high pass) at ``rate`` Hz as second-order sections.

    Each row is ``b0, b1, b2, 1, a1, a2``. The analogue prototypes are re-derived for any rate, so
    16, 22.05, 24 and 44.1 kHz audio is weighted like 48 kHz audio is with the coefficients
    printed in the standard.
    """
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
        1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0,
    ]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


@lru_cache(maxsize=8)
def impulse_response(rate: int) -> Samples:
    """The K-weighting filter's impulse response at ``rate`` Hz, cut where it has died away.

    Computed by running the two biquads (direct form II transposed) on a unit impulse until the
    output and both filters' state are all below ``TRUNCATION``; the state fixes everything that
    follows, so what is cut off stays that small.
    """
    sections = [[float(v) for v in row] for row in k_weighting(rate)]
    out: list[float] = []
    states = [[0.0, 0.0] for _ in sections]
    limit = max(16, round(rate * _MAX_SECONDS))
    for n in range(limit):
        value = 1.0 if n == 0 else 0.0
        for (b0, b1, b2, _, a1, a2), state in zip(sections, states, strict=True):
            y = b0 * value + state[0]
            state[0] = b1 * value - a1 * y + state[1]
            state[1] = b2 * value - a2 * y
            value = y
        out.append(value)
        if n > 2 and abs(value) < TRUNCATION and all(abs(s) < TRUNCATION for st in states for s in st):
            break
    response = np.array(out, dtype=np.float64)
    response.flags.writeable = False
    return response


class KWeighting:
    """K-weighting at one sample rate, applied by FFT overlap-add with the tail carried along.

    :meth:`apply` is pure: it takes the tail left by the previous piece and returns the filtered
    piece with the new tail, so a caller can also filter a piece tentatively.
    """

    def __init__(self, rate: int) -> None:
        self.taps = impulse_response(rate)
        self.fft_size = max(_MIN_FFT, 1 << (4 * len(self.taps) - 1).bit_length())
        #: input samples filtered per FFT
        self.block = self.fft_size - len(self.taps) + 1
        self._spectra: dict[int, npt.NDArray[np.complex128]] = {}
        self._single: dict[int, npt.NDArray[np.complex64]] = {}

    def initial_tail(self) -> Samples:
        """The tail before any input: silence."""
        return np.zeros(len(self.taps) - 1)

    def _spectrum(self, size: int) -> npt.NDArray[np.complex128]:
        spectrum = self._spectra.get(size)
        if spectrum is None:
            spectrum = self._spectra[size] = np.fft.rfft(self.taps, size)
        return spectrum

    def _convolved(self, pieces: Samples, size: int) -> Samples:
        """Each row of ``pieces`` (or the one piece) convolved with the taps by an FFT of ``size``
        (all of it, tail included), in double precision (what :meth:`apply` filters with)."""
        full: Samples = np.fft.irfft(np.fft.rfft(pieces, size) * self._spectrum(size), size)
        return full

    def _convolved_single(self, pieces: npt.NDArray[Any], size: int) -> npt.NDArray[np.float32]:
        """:meth:`_convolved` in single precision (the taps' spectrum made in double, then rounded).
        Rows are transformed together: numpy's FFT works on several at once with vector
        instructions, about a third faster than one by one."""
        spectrum = self._single.get(size)
        if spectrum is None:
            spectrum = self._single[size] = self._spectrum(size).astype(np.complex64)
        spectra = np.fft.rfft(pieces.astype(np.float32, copy=False), size) * spectrum
        full = np.fft.irfft(spectra, size)  # numpy keeps single precision: float32 already
        return full.astype(np.float32, copy=False)

    def subblock_powers(self, x: Samples | npt.NDArray[np.int16], sub: int, scale: float = 1.0) -> Samples:
        """The mean square of the K-weighted ``scale * x`` (silence before it, and its ring-out
        after it) in every ``sub`` samples from its first, the last sub-block padded with silence.

        ``x`` may be 16-bit integers: with a power-of-two ``scale`` (``2**-15`` for PCM) the
        result is bit for bit that of the scaled floats, since scaling by a power of two is exact
        in every step (16-bit samples and their scaled floats are exact in single precision),
        barring filtered values so small (under about 1e-19) that their single-precision squares
        are subnormal, which no sum of a sub-block can show.
        What :meth:`apply` gives, squared and averaged, to about 1e-7 of the loudest sub-block
        (filtered in single precision, see the module's note).

        The clip is cut into blocks of whole sub-blocks, filtered ``_ROWS`` blocks at a time; each
        block's tail is added to the start of the next (overlap-add), and the squares of each
        block's sub-blocks summed.
        """
        overlap = len(self.taps) - 1
        size = self.fft_size
        while size - overlap < max(sub, overlap):  # a block holds a sub-block, and outlasts a tail
            size *= 2
        block = (size - overlap) // sub * sub  # input samples per FFT, a whole number of sub-blocks
        count = -(-(len(x) + overlap) // sub)
        sums = np.zeros(count)
        tail = np.zeros(overlap, np.float32)
        done = 0  # sub-blocks summed
        whole = len(x) - len(x) % block
        for start in range(0, whole, block * _ROWS):
            pieces = x[start : min(whole, start + block * _ROWS)].reshape(-1, block)
            full = self._convolved_single(pieces, size)
            full[0, :overlap] += tail
            full[1:, :overlap] += full[:-1, block : block + overlap]  # block >= overlap: no chain
            rows = full[:, :block].reshape(-1, sub)
            sums[done : done + len(rows)] = _square_sums(rows)
            done += len(rows)
            tail = full[-1, block : block + overlap]
        # the last piece (perhaps empty), then the ring-out: the tail it leaves
        n = len(x) - whole
        rest = np.zeros((count - done) * sub, np.float32)
        if n:
            part = max(64, 1 << (n + overlap - 1).bit_length())
            full = self._convolved_single(x[whole:], part)[: n + overlap]
            full[:overlap] += tail
            rest[: n + overlap] = full
        else:
            rest[:overlap] = tail
        sums[done:] = _square_sums(rest.reshape(-1, sub))
        powers: Samples = sums * scale * scale / sub  # in this order: exact for a power-of-two scale
        return powers

    def apply(self, x: Samples, tail: Samples) -> tuple[Samples, Samples]:
        """``x`` filtered (same length), and the tail to pass with the next piece."""
        overlap = len(self.taps) - 1
        out = np.empty(len(x))
        for start in range(0, len(x), self.block):
            piece = x[start : start + self.block]
            n = len(piece)
            size = self.fft_size if n == self.block else max(64, 1 << (n + overlap - 1).bit_length())
            full = self._convolved(piece, size)[: n + overlap]
            full[:overlap] += tail
            out[start : start + n] = full[:n]
            tail = full[n:]
        return out, tail


def _square_sums(rows: npt.NDArray[np.float32]) -> Samples:
    """The sum of the squares of each row, added up in double precision."""
    sums: Samples = np.square(rows).sum(axis=1, dtype=np.float64)
    return sums
