"""Phone call flows (voicemail, wake-up, parking, conference), one module per flow,
each a class taking a switchctl.esl.session.CallSession and offering run().

FLOWS maps the name the dialplan sets in ``switchctl_flow`` to the flow class; the
outbound server (switchctl.esl.outbound) runs them. No flow is built yet: a call
sent to the socket now hears the error prompt."""

FLOWS = {}
