"""A fax's result in the page's language. services/fax writes each result in English from
its RESULTS, AGAIN and LAST forms (the CLI, the logs and emails read them so); here each
is read back by its form and said again with the same values. What the switch says itself
(spandsp's result texts, such as "The call dropped prematurely") is said again when it is
one of the common ones below, else it stays as it came."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from switchctl.services import fax

SAID = {
    "queued_again": _l("queued again"),
    "canceled": _l("canceled by %(who)s"),
    "no_route": _l("no outbound route to this number"),
    "not_allowed": _l("the sender may no longer call outside numbers"),
    "disabled": _l("the sender's extension is disabled"),
    "not_placed": _l("cannot be sent: %(why)s"),
    "lost": _l("the call ended without a result (lost)"),
    "busy": _l("busy (%(cause)s)"),
    "no_answer": _l("not answered (%(cause)s)"),
    "cannot_call": _l("cannot be called (%(cause)s)"),
    "not_reached": _l("the call failed (%(cause)s)"),
    "transmission": _l("%(text)s (code %(code)s)"),
    "reception_failed": _l("reception failed"),
    "ok": _l("OK"),
    "delivered": _l("delivered to fax number %(number)s"),
}


# spandsp's result texts (its T.30 completion codes' words, as mod_spandsp reports them in
# fax_result_text) that a fax log shows most.
SWITCH_SAID = {
    "The call dropped prematurely": _l("The call dropped prematurely"),
    "Far end is not compatible": _l("Far end is not compatible"),
    "Far end is not able to receive": _l("Far end is not able to receive"),
    "Far end is not able to transmit": _l("Far end is not able to transmit"),
    "Failed to train with any of the compatible modems":
        _l("Failed to train with any of the compatible modems"),
    "Far end cannot receive at the resolution of the image":
        _l("Far end cannot receive at the resolution of the image"),
    "Far end cannot receive at the size of image":
        _l("Far end cannot receive at the size of image"),
    "Carrier lost during fax receive": _l("Carrier lost during fax receive"),
    "No response after sending a page": _l("No response after sending a page"),
    "Received no response to DCS or TCF": _l("Received no response to DCS or TCF"),
    "Fax call disconnected by the other station":
        _l("Fax call disconnected by the other station"),
    "Disconnected after permitted retries": _l("Disconnected after permitted retries"),
    "Timed out while waiting for first line": _l("Timed out while waiting for first line"),
}


def _form(template):
    """The regular expression of one of services/fax's forms: its {names} as groups."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
                      for index, part in enumerate(parts))
    return re.compile(f"^{pattern}\\Z", re.S)


FORMS = [(key, _form(template)) for key, template in fax.RESULTS.items()]
AGAIN = _form(fax.AGAIN)
LAST_ONE, LAST_MORE = _form(fax.LAST[1]), _form(fax.LAST["more"])


def said(text):
    """``text`` (a fax's result_text) in the page's language; as it is when it is none of
    services/fax's forms."""
    again = AGAIN.match(text)
    if again:
        return _("%(detail)s; try %(number)s at %(time)s", detail=_detail(again["detail"]),
                 number=again["number"], time=again["time"])
    last = LAST_MORE.match(text)
    if last:
        return _("%(detail)s after %(count)s tries", detail=_detail(last["detail"]),
                 count=last["count"])
    last = LAST_ONE.match(text)
    if last:
        return _("%(detail)s after 1 try", detail=_detail(last["detail"]))
    return _detail(text)


def _detail(text):
    for key, form in FORMS:
        found = form.match(text)
        if found:
            values = found.groupdict()
            if "text" in values:  # the switch's words inside one of ours
                values["text"] = _switch_said(values["text"])
            return str(SAID[key]) % values
    return _switch_said(text)


def _switch_said(text):
    said = SWITCH_SAID.get(text)
    return text if said is None else str(said)
