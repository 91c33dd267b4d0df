"""The MP3 encoder: ffmpeg's libmp3lame turning PCM streams into complete MP3 streams.

One ffmpeg process encodes several streams at once, each by an encoder of its own (its own input
pipe, its own output file): the bytes of a stream are those it gets encoded alone, and a
narration's paragraphs cost one process start-up (about 14 ms of CPU for the bundled static
binary) per group instead of one each. ffmpeg reads its inputs in step with one another, so each
input is fed by a thread of its own: fed one after another, the first would wait for the others.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from narrator.audio_settings import LAME_TAG_ENCODER, EncodeSettings
from narrator.errors import OutputError
from narrator.ffmpeg import ffmpeg_exe
from narrator.processes import temp_prefix

#: The PCM of one stream: mono 16-bit, whole or in pieces fed as they come.
Pcm = bytes | Iterable[bytes]


def encode_segment(pcm: Pcm, input_rate: int, settings: EncodeSettings) -> bytes:
    """Encode mono 16-bit PCM into a complete MP3 stream with its Info frame (no ID3 tags)."""
    return encode_streams([pcm], input_rate, settings)[0]


def encode_streams(streams: Sequence[Pcm], input_rate: int, settings: EncodeSettings) -> list[bytes]:
    """Encode each of ``streams`` (mono 16-bit PCM at ``input_rate``) into a complete MP3 stream
    with its Info frame and no ID3 tags, in one ffmpeg process."""
    if not streams:
        return []
    with tempfile.TemporaryDirectory(prefix=temp_prefix("seg")) as folder, \
            tempfile.TemporaryFile() as log:
        outputs = [Path(folder) / f"{n}.mp3" for n in range(len(streams))]
        pipes = [os.pipe() for _ in streams]
        try:
            # No death signal (preexec_fn): the encoder reads its inputs from narrator, so it ends
            # when narrator does, at the end of those inputs; and without a preexec_fn Popen can
            # use vfork, where a fork of narrator's process (a few hundred MB) cost several ms.
            proc = subprocess.Popen(
                _command([read for read, _ in pipes], outputs, input_rate, settings),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                pass_fds=[read for read, _ in pipes],
            )
        except BaseException:
            for read, write in pipes:
                os.close(read)
                os.close(write)
            raise
        for read, _ in pipes:
            os.close(read)
        failures: list[BaseException] = []
        feeders = [
            threading.Thread(target=_feed, args=(pcm, write, failures), name="encode-feed", daemon=True)
            for pcm, (_, write) in zip(streams, pipes, strict=True)
        ]
        for feeder in feeders:
            feeder.start()
        for feeder in feeders:
            feeder.join()
        code = proc.wait()
        if failures:
            raise failures[0]
        if code != 0 or not all(out.exists() for out in outputs):
            log.seek(0)
            lines = log.read().decode("utf-8", "replace").strip().splitlines()
            raise OutputError(f"the MP3 encoder failed: {lines[-1] if lines else 'no message'}")
        return [out.read_bytes() for out in outputs]


def _command(inputs: list[int], outputs: list[Path], input_rate: int, settings: EncodeSettings) -> list[str]:
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    for fd in inputs:
        command += ["-f", "s16le", "-ar", str(input_rate), "-ac", "1", "-i", f"pipe:{fd}"]
    for n, out in enumerate(outputs):
        command += [
            "-map", f"{n}:a", "-ac", str(settings.channels), "-ar", str(settings.sample_rate),
            "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-abr", "0",
            "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0",
            "-metadata:s:a:0", f"encoder={LAME_TAG_ENCODER}", "-f", "mp3", str(out),
        ]
    return command


def _feed(pcm: Pcm, fd: int, failures: list[BaseException]) -> None:
    """Write one stream into its pipe and close it (the encoder's end of that input). A stream
    that fails to be made is recorded; the encoder then sees its input end early, and the caller
    raises what went wrong."""
    with open(fd, "wb", closefd=True) as pipe:  # buffered: a write is whole, whatever the pipe takes
        try:
            for piece in [pcm] if isinstance(pcm, bytes) else pcm:
                pipe.write(piece)
        except BrokenPipeError:
            pass  # the encoder stopped: its message says why
        except BaseException as exc:
            failures.append(exc)
        finally:
            with contextlib.suppress(BrokenPipeError):
                pipe.close()
