"""WAV files as the switch records them (mono, 16-bit), made with the standard library."""

import array
import functools
import io
import math
import sys
import wave


@functools.lru_cache(maxsize=64)
def wav(seconds, rate=8000, amplitude=3000, hz=440):
    """The bytes of a WAV of ``seconds``: a tone (someone speaking, to the silence
    detection) or, with ``amplitude`` 0, silence. Made once per set of arguments (bytes:
    no caller can change them); the tests ask for the same few hundreds of times."""
    frames = int(seconds * rate)
    step = 2 * math.pi * hz
    samples = array.array("h", [int(amplitude * math.sin(step * n / rate))
                                for n in range(frames)])
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def silence(seconds, rate=8000):
    return wav(seconds, rate, amplitude=0)


def with_quiet_start(seconds, speech_seconds, rate=8000):
    """Silence, then ``speech_seconds`` of tone at the end."""
    quiet = wave_frames(silence(seconds - speech_seconds, rate))
    loud = wave_frames(wav(speech_seconds, rate))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(quiet + loud)
    return buffer.getvalue()


def wave_frames(data):
    with wave.open(io.BytesIO(data), "rb") as audio:
        return audio.readframes(audio.getnframes())


def seconds_of(path):
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()
