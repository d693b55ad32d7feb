"""Failed-login throttling: too many failures lock a name (and an address) for a while.

Three counts, each over the last WINDOW seconds: a name from one address, any name
from one address, and a name from anywhere (someone spreading guesses over many
addresses; it also means anyone can keep a name locked by failing on purpose, the
usual price of an account lock). Kept in memory: one ``switchctl serve`` process
answers the portal.

An attempt is counted before its password is checked (``reserve``), as a failure until it
succeeds: however many guesses arrive at once, no more than the limits' worth are ever
checked. A success gives its attempt back and clears that name from that address.
"""

import time

NAME_LIMIT = 5  # failures for one name from one address
ADDRESS_LIMIT = 20  # failures from one address, whatever the name
ANYWHERE_LIMIT = 20  # failures for one name, from any address
WINDOW = 300  # seconds a failure is remembered


class LoginThrottle:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.failures = {}  # key -> list of failure times

    def _recent(self, key):
        cutoff = self.clock() - WINDOW
        kept = [t for t in self.failures.get(key, ()) if t > cutoff]
        if kept:
            self.failures[key] = kept
        else:
            self.failures.pop(key, None)
        return kept

    def wait_seconds(self, address, name):
        """0 when a login may be tried now, else how long until it may."""
        waits = []
        for key, limit in zip(self._keys(address, name),
                              (NAME_LIMIT, ADDRESS_LIMIT, ANYWHERE_LIMIT)):
            recent = self._recent(key)
            if len(recent) >= limit:
                waits.append(recent[-limit] + WINDOW - self.clock())
        return max(0, int(max(waits, default=0)) + (1 if waits else 0))

    def reserve(self, address, name):
        """0 when a login may be checked now, and it is counted at once (a failure until
        ``succeeded`` or ``give_back``); else how long until one may, nothing counted."""
        wait = self.wait_seconds(address, name)
        if not wait:
            self.failed(address, name)
        return wait

    def give_back(self, address, name):
        """Uncount a reserved attempt that was not a wrong guess (it succeeded, or the
        check could not run)."""
        for key in self._keys(address, name):
            times = self.failures.get(key)
            if times:
                times.pop()
            if not times:
                self.failures.pop(key, None)

    def failed(self, address, name):
        now = self.clock()
        for key in self._keys(address, name):
            self.failures.setdefault(key, []).append(now)
        if len(self.failures) > 100_000:  # a flood of names: forget the stale ones
            for key in list(self.failures):
                self._recent(key)

    @staticmethod
    def _keys(address, name):
        return (address, name.lower()), (address, None), (None, name.lower())

    def succeeded(self, address, name):
        """A reserved attempt succeeded: it is given back, and the name's failures from
        that address forgotten."""
        self.give_back(address, name)
        self.failures.pop((address, name.lower()), None)
