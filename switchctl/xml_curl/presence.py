"""Which call an extension is in, kept in FreeSWITCH's own hash table (mod_hash).

Every bridge records the A-leg's uuid under the extensions it involves, so that
pickup (``intercept``) and monitoring (``eavesdrop``) find the call at once from
the dialplan, with no round trip to switchctl. Realms, per domain:
- ``<domain>-ringing/<ext>``: the call ringing at an extension (directed pickup);
- ``<domain>-ringgroup/dept<id>``: the last call ringing in a department (``*8``);
- ``<domain>-spymap/<ext>``: the call an extension is in (monitoring);
- ``<domain>-spyside/<ext>``: ``b`` if that uuid is the extension's own leg (it
  called), ``a`` if it is its partner's (it was called). Whispering to the
  extension needs eavesdrop_whisper_bleg in the first case (the spy is mixed into
  what the leg hears) and eavesdrop_whisper_aleg in the second.
Entries of ended calls stay until overwritten; intercept and eavesdrop then find
no such call and the dialplan plays a prompt.
"""


def _insert(realm, key, value):
    return ("hash", f"insert/{realm}/{key}/{value}")


def lookup(domain, realm, key):
    """The ``${hash(select/...)}`` expression FreeSWITCH expands when the action runs."""
    return f"${{hash(select/{domain}-{realm}/{key})}}"


def callee_marks(domain, target):
    """Actions recording a call to extension record ``target`` before it rings."""
    marks = [
        _insert(f"{domain}-ringing", target.number, "${uuid}"),
        _insert(f"{domain}-spymap", target.number, "${uuid}"),
        _insert(f"{domain}-spyside", target.number, "a"),
    ]
    if target.department_id:
        marks.append(_insert(f"{domain}-ringgroup", f"dept{target.department_id}", "${uuid}"))
    return tuple(marks)


def clear_marks(domain, target):
    """Actions forgetting that a failed call was ``target``'s (before it rings elsewhere)."""
    return tuple(("hash", f"delete/{domain}-{realm}/{target.number}")
                 for realm in ("ringing", "spymap", "spyside"))


def caller_marks(domain, caller):
    """Actions recording that extension record ``caller`` placed this call."""
    return (
        _insert(f"{domain}-spymap", caller.number, "${uuid}"),
        _insert(f"{domain}-spyside", caller.number, "b"),
    )
