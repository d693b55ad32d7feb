"""Who is calling: the extension a dialplan request comes from."""


def caller_identity(request):
    """``(extension number, domain)`` of the calling user (worked out once per request:
    routing and the dialplan both ask)."""
    return request.memo("caller_identity", lambda: _caller_identity(request))


def _caller_identity(request):
    """``(extension number, domain)`` of the calling user, from fields the user cannot set.

    SIP phones cannot set channel variables (only sip_h_* ones), so sofia's
    ``user_name``/``domain_name`` are believed. A Verto (browser) client may set
    any channel variable at login (mod_verto copies its userVariables onto the
    channel after the real identity), so for Verto the caller profile's username,
    ``<id>@<domain>`` from the login, is used instead."""
    if request.planted("Call-Direction", "Caller-Source", "Channel-Name"):
        # Each comes once from the switch; a repeat was planted by a browser client (a
        # variable named "x&Caller-Source=mod_sofia&y"), to be taken for a SIP phone.
        return "", ""
    outbound = request.trusted("Call-Direction") == "outbound"
    if outbound and not request.trusted("Channel-Name").startswith("sofia/"):
        # A leg switchctl rang that is not a SIP phone's: a Verto client may set any
        # variable on its legs (userVariables at answer and in verto.info, after
        # mod_verto's own), presence_id and user_name too, and such a leg's caller
        # profile is a copy of the caller's. Nothing on it says whose it is.
        return "", ""
    if not outbound and request.trusted("Caller-Source") == "mod_verto":
        # Only the browser's own (inbound) leg: a SIP phone's leg rung by a browser's call
        # has a copy of the caller's profile (the real 102 leg shows Caller-Username=101,
        # Caller-Source as its caller's), so mod_verto and the browser user's name there.
        number, _, domain = request.trusted("Caller-Username").partition("@")
        return number, domain.lower()
    if request.get("variable_user_name", None) is not None:  # present, maybe planted twice
        return (request.trusted_variable("user_name"),
                request.trusted_variable("domain_name").lower())
    # A leg that switchctl rang (user/<ext>: an outbound leg) has no user_name. The
    # directory's dial-string gave it presence_id=<ext>@<domain> when it was made: that
    # is the extension it belongs to, e.g. when its phone presses an in-call code or
    # transfers the other party. Not dialed_user: a bridge *from* the leg sets it to the
    # extension rung (on the real switch, 102's leg sent on to 105 by a transfer had
    # dialed_user=105, presence_id still 102@pbx.local). The calling leg carries
    # dialed_user too once it rang one of ours, so an inbound leg without user_name (a
    # trunk caller) is nobody's, though in the domain of the extension it rang (its
    # outcome after a failed bridge is decided there).
    domain = request.trusted_variable("dialed_domain").lower()
    if not outbound:
        return "", domain
    number, at, own_domain = request.trusted_variable("presence_id").partition("@")
    return (number, own_domain.lower()) if at else ("", domain)
