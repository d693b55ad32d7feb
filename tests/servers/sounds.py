"""Stand-in prompts for the test FreeSWITCH, which ships no sound files.

A prompt that is missing makes ``playback`` end at once with an error and the rest of a
call flow run on early; ``say`` skips its missing words. So the test switch gets a
sounds folder of short silent WAVs (8 kHz, mono, 16-bit): one for every name in
switchctl.freeswitch.prompts.STANDARD_SOUNDS (read when the switch starts, so each
flow's own section is included) and the words mod_say_en builds numbers, times and
dates from. Their paths are relative to vars.xml's sound_prefix, ``$${sounds_dir}/en/us/
callie``.
"""

import io
import wave
from pathlib import Path

from switchctl.freeswitch import prompts

VOICE = Path("en") / "us" / "callie"  # vars.xml: sound_prefix=$${sounds_dir}/en/us/callie
RATE = 8000
LENGTH_MS = 100  # short: a menu's prompts take little of a test's time


def say_words():
    """The files mod_say_en (1.10.12, mod_say_en.c) plays for numbers, times and dates."""
    cardinals = [*range(20), *range(20, 100, 10)]
    words = [f"digits/{n}.wav" for n in cardinals]
    words += [f"digits/h-{n}.wav" for n in cardinals]  # ordinals (the 1st, the 20th)
    words += [f"digits/{name}.wav" for name in ("hundred", "thousand", "million", "dot")]
    words += [f"time/{name}.wav" for name in (
        "hour", "hours", "minute", "minutes", "second", "seconds", "at", "oh", "oclock",
        "a-m", "p-m", "today", "yesterday")]
    words += [f"time/day-{n}.wav" for n in range(7)]
    words += [f"time/mon-{n}.wav" for n in range(12)]
    words += [f"currency/{name}.wav" for name in (
        "and", "cent", "cents", "dollar", "dollars", "negative")]
    return words


def names():
    """Every sound file the test switch gets, relative to its sound_prefix."""
    return sorted(set(prompts.STANDARD_SOUNDS) | set(say_words()))


def silence(milliseconds=LENGTH_MS):
    """The bytes of a silent WAV of ``milliseconds``."""
    frames = RATE * milliseconds // 1000
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"\0\0" * frames)
    return buffer.getvalue()


def write_sounds(sounds_dir):
    """Fill ``sounds_dir`` (the switch's -sounds folder); returns how many files."""
    data = silence()
    voice = Path(sounds_dir) / VOICE
    written = names()
    for name in written:
        path = voice / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # local_stream://moh (local_stream.conf.xml) plays $${sounds_dir}/music/8000: without a
    # file there the stream does not exist, a hold-bleg broadcast's music ends at once
    # and the presser's in-call code waits twice 5 s for it (switch_ivr.c).
    music = Path(sounds_dir) / "music" / "8000"
    music.mkdir(parents=True, exist_ok=True)
    (music / "silence.wav").write_bytes(silence(1000))
    return len(written)
