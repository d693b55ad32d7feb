"""What the running service knows live: the event listener and extension states."""

from switchctl.esl.extension_state import ExtensionStates
from switchctl.esl.listener import Listener
from switchctl.models import Extension
from switchctl.services.domains import find_domain


class LiveView:
    def __init__(self, config):
        self.states = ExtensionStates()
        self.listener = Listener(config.esl, config.esl_password, self.states)

    def status(self, domain_name):
        """Whether the switch is connected, and every extension's state."""
        domain = find_domain(domain_name)
        numbers = [] if domain is None else [number for (number,) in Extension.select(
            Extension.number).where(Extension.domain == domain).order_by(
            Extension.number).tuples()]
        return {
            "switch": "connected" if self.listener.online.is_set() else "offline",
            "extensions": {n: self.states.state(f"{n}@{domain_name}") for n in numbers},
        }
