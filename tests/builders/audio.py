"""WAV files as the switch records them (mono, 16-bit), made with the standard library."""

import io
import math
import wave


def wav(seconds, rate=8000, amplitude=3000, hz=440):
    """The bytes of a WAV of ``seconds``: a tone (someone speaking, to the silence
    detection) or, with ``amplitude`` 0, silence."""
    frames = int(seconds * rate)
    samples = bytearray()
    for n in range(frames):
        value = int(amplitude * math.sin(2 * math.pi * hz * n / rate))
        samples += value.to_bytes(2, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(samples))
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
