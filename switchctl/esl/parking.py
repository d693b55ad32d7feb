"""Parked calls as the switch holds them (mod_valet_parking), for the live view and
``switchctl status``.

Skeleton: the parking work fills it in (valet_parking::info events, ``valet_info`` on
every connect)."""


class ParkedCalls:
    def __init__(self, listener):
        self.listener = listener

    def snapshot(self, domain_name):
        """The domain's parked calls, by slot: a list of dicts."""
        return []
