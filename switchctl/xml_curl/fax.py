"""Calls to a fax number (services/fax_numbers): answered by the switch's fax receiver.

The call is held to G.711 before the answer (mod_spandsp cannot receive over Opus or
G.722: tests/data/freeswitch/fax/README.md), T.38 is neither asked for nor accepted, two
seconds of silence let the caller's machine start, and ``rxfax`` writes the TIFF under the
media folder's ``fax/received`` as ``<channel uuid>.tif``. The number called is set on the
channel (variables.FAX_NUMBER) for the result event and the CDR to name it."""

import logging
from pathlib import Path

from switchctl.freeswitch import prompts, variables
from switchctl.services import fax_numbers
from switchctl.services.voicemail import make_folders
from switchctl.xml_curl import media
from switchctl.xml_curl.actions import Route, refuse

log = logging.getLogger(__name__)
RECEIVED = Path("fax") / "received"


def receive(domain, number):
    """The route answering ``number`` as a fax machine, or None when it is no fax number."""
    found = fax_numbers.owner_of(domain, number)
    if found is None:
        return None
    try:
        make_folders(Path(media.media_folder()), RECEIVED)
    except OSError as exc:
        log.error("fax number %s@%s: cannot make %s (%s)", number, domain, RECEIVED, exc)
        return refuse("fax-no-folder", prompts.CANNOT_COMPLETE, "NORMAL_TEMPORARY_FAILURE")
    return Route("fax-receive", (
        ("set", "absolute_codec_string=PCMU,PCMA"),
        ("set", f"{variables.FAX_NUMBER}={found.number}"),
        # A call from the trunk carries no domain: the result must name the number's.
        ("set", f"domain_name={domain}"),
        ("set", "fax_enable_t38=false"),
        ("set", "fax_enable_t38_request=false"),
        ("answer", ""),
        ("playback", "silence_stream://2000"),
        ("rxfax", media.switch_path(f"{RECEIVED.as_posix()}/${{uuid}}.tif")),
        ("hangup", ""),
    ))


def dial_fax_number(call):
    """One of our users dialled a fax number of the domain (a fax machine on an ATA)."""
    return receive(call.domain, call.number)
