"""Event-socket plumbing: the outbound server for call flows, the inbound listener for
live state (extension state, message waiting, notifications). Arrives with the ESL issue."""
