"""One-touch recording (manual §2.12): ``*1`` in a call starts recording it, pressed again
stops it.

``*1`` is an in-call code (bindings.py, in_call.py): the presser's leg asks us. Its
channel variable ``switchctl_recording`` names the Recording it runs; a name that is not
the presser's recording of this call is ignored (a new one starts).

- Start: the Recording row (services/recordings.start_recording: the call's uuid is the
  switch's ``Channel-Call-UUID``, the calling leg's, which is the call record's), then on
  the presser ``record_session`` into that file (the presser's leg carries both parties'
  audio: one file of the whole call), the variable set, and a beep both parties hear
  (``broadcast ... both``: played on the presser and its other party once this ends).
- Stop: ``stop_record_session`` of that file, the variable unset, two beeps for both.
  The length is stored when the switch reports the recording ended (esl/recordings.py);
  a recording still running when the call ends ends with it, the same way.

A folder switchctl cannot make, or a call without the uuids, is refused with the error
prompt; nothing is stored then.
"""

import logging

from switchctl.freeswitch import prompts, variables
from switchctl.services import recordings
from switchctl.xml_curl import media
from switchctl.xml_curl.actions import Route, stay

log = logging.getLogger(__name__)


def toggle(call):
    call_uuid = call.request.trusted("Channel-Call-UUID")
    running = recordings.running_recording(call.presser,
                                           call.request.variable(variables.RECORDING),
                                           call_uuid)
    if running is not None:
        return Route("record-call-stop", (
            ("stop_record_session", media.switch_path(running.path)),
            ("unset", variables.RECORDING),
            ("broadcast", f"{prompts.RECORDING_STOPPED} both"),
        ))
    try:
        recording = recordings.start_recording(media.media_folder(), call.presser, call_uuid,
                                               call.uuid)
    except ValueError:
        return stay("record-call-no-call", prompts.ERROR)
    except OSError as exc:
        log.error("recording for %s@%s: cannot make its folder (%s)", call.presser.number,
                  call.domain, exc)
        return stay("record-call-no-folder", prompts.ERROR)
    return Route("record-call-start", (
        ("set", f"{variables.RECORDING}={recording.id}"),
        ("record_session", media.switch_path(recording.path)),
        ("broadcast", f"{prompts.RECORDING_STARTED} both"),
    ))


IN_CALL = {"record_call": toggle}
