"""In-call requests from the real switch (tests/data/freeswitch/in_call, see its README):
FreeSWITCH 1.10.12 with freeswitch-conf/, call 101 -> 102 (pbx.local) bridged, codes
pressed with ``uuid_recv_dtmf <uuid> ~<digits>``."""

from urllib.parse import quote

from tests.builders.captures import payload

# The captures: (file, presser's leg uuid, the other leg's uuid)
SELF_RECORD = "self_record_call_101"  # 101 (calling leg) pressed *1
SELF_BLIND = "self_transfer_blind_101"  # 101 pressed #103
PEER_ATTENDED = "peer_transfer_attended_102"  # 102 (the leg rung) pressed *2103
CALLER_UUID = "e4da5144-484f-4e06-b017-8d8ff883ceb1"  # 101's leg in every capture
CALLEE_UUID = "22a8c40d-af25-47f9-a4e9-4b27b87fd68c"  # 102's leg


def in_call_body(name, **overrides):
    """The raw body of ``in_call/<name>.body.txt``, some fields replaced (%-encoded as
    FreeSWITCH encodes them) or, if absent, added; a value None drops the field."""
    pairs = payload(f"in_call/{name}.body.txt").rstrip(b"\n").split(b"&")
    out = []
    for pair in pairs:
        key = pair.split(b"=", 1)[0].decode()
        if key in overrides:
            value = overrides.pop(key)
            if value is None:
                continue
            pair = f"{key}={quote(str(value), safe='')}".encode()
        out.append(pair)
    out += [f"{k}={quote(str(v), safe='')}".encode() for k, v in overrides.items()
            if v is not None]
    return b"&".join(out)


def pressed(name, digits=None, key=None, **variables):
    """A capture re-addressed: the digits pressed (``last_matching_digits``), the feature
    key it dials in ``in_call``, channel variables replaced."""
    overrides = {f"variable_{k}": v for k, v in variables.items()}
    if digits is not None:
        overrides["variable_last_matching_digits"] = digits
    if key is not None:
        overrides["Hunt-Destination-Number"] = key
    return in_call_body(name, **overrides)
