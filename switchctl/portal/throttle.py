"""Failed-login throttling: too many failures lock a name (and an address) for a while.

Three counts, each over the last WINDOW seconds: a name from one address, any name
from one address, and a name from anywhere (someone spreading guesses over many
addresses; it also means anyone can keep a name locked by failing on purpose, the
usual price of an account lock). Kept in the database (models.logins.LoginFailure), so
every ``switchctl serve`` on one database shares the counts and a restart forgets none.

An attempt is counted before its password is checked (``reserve``), as a failure until it
succeeds: however many guesses arrive at once, through however many processes, no more
than the limits' worth are ever checked. A success gives its attempt back and clears that
name from that address.

``reserve`` counts and inserts in one transaction that no other process's ``reserve`` can
interleave with: on SQLite the transaction begins IMMEDIATE (db.CooperativeSqlite), which
takes the database's one write lock; on PostgreSQL it first takes one transaction-level
advisory lock, the same for every login (the three counts cross: two names from one
address share a count, one name from two addresses another, so a lock per name would
not do; the transaction is three short statements, and logins are few). Within one
process nothing yields inside the transaction (one connection, a driver that does not
yield). When the database is away, ``reserve`` raises its error: the portal answers
"not available, try again in a moment" (the login itself needs the database), so nobody
is locked out for it and no guess goes unchecked by the throttle.

Rows older than WINDOW are swept a small batch at a time, after each counted attempt
(an index on ``at``: finding none costs a lookup, not a scan).
"""

import hashlib
import time

import peewee

from switchctl.db import one_at_a_time
from switchctl.models.base import database
from switchctl.models.logins import LoginFailure

NAME_LIMIT = 5  # failures for one name from one address
ADDRESS_LIMIT = 20  # failures from one address, whatever the name
ANYWHERE_LIMIT = 20  # failures for one name, from any address
WINDOW = 300  # seconds a failure is remembered
SWEEP_BATCH = 30  # expired rows deleted after each attempt (each attempt adds 3)
# The PostgreSQL advisory lock every reserve takes (an arbitrary number: "switchctl login").
ADVISORY_LOCK = 0x5C_10_61_17
LOCK_TIMEOUT = "2s"  # at most this long waiting for another process's reserve


def throttle_key(kind, address, name):
    """The stored key of one count: a hash, so nothing typed is stored or indexed raw."""
    text = "\0".join((kind, address or "", name or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class LoginThrottle:
    def __init__(self, clock=time.time):
        self.clock = clock  # wall-clock seconds: every process on the database shares them

    def wait_seconds(self, address, name):
        """0 when a login may be tried now, else how long until it may."""
        now = self.clock()
        keys = self._keys(address, name)
        limits = (NAME_LIMIT, ADDRESS_LIMIT, ANYWHERE_LIMIT)
        cutoff = now - WINDOW
        # Per count, the limit-th newest failure in the window: there is one when the count
        # is at its limit, and the lock ends WINDOW after it. One statement, each part an
        # index range of at most ``limit`` rows.
        parts = [LoginFailure.select(LoginFailure.at)
                 .where((LoginFailure.key == key) & (LoginFailure.at > cutoff))
                 .order_by(LoginFailure.at.desc()).limit(1).offset(limit - 1)
                 for key, limit in zip(keys, limits)]
        sql, params = _union_all(parts)
        times = [row[0] for row in database.execute_sql(sql, params).fetchall()]
        waits = [at + WINDOW - now for at in times]
        return max(0, int(max(waits, default=0)) + (1 if waits else 0))

    def reserve(self, address, name):
        """0 when a login may be checked now, and it is counted at once (a failure until
        ``succeeded`` or ``give_back``); else how long until one may, nothing counted."""
        with database.atomic():
            one_at_a_time(ADVISORY_LOCK, LOCK_TIMEOUT)
            wait = self.wait_seconds(address, name)
            if not wait:
                self._insert(address, name)
        if not wait:
            self.sweep()
        return wait

    def give_back(self, address, name):
        """Uncount a reserved attempt that was not a wrong guess (it succeeded, or the
        check could not run): the newest failure under each of its keys."""
        self._delete_newest(self._keys(address, name))

    def failed(self, address, name):
        """Count a failure without asking first (``reserve`` asks and counts at once)."""
        self._insert(address, name)
        self.sweep()

    def succeeded(self, address, name):
        """A reserved attempt succeeded: it is given back, and the name's failures from
        that address forgotten."""
        pair, *others = self._keys(address, name)
        newest = (LoginFailure.select(peewee.fn.MAX(LoginFailure.id))
                  .where(LoginFailure.key.in_(others)).group_by(LoginFailure.key))
        LoginFailure.delete().where((LoginFailure.key == pair) |
                                    LoginFailure.id.in_(newest)).execute()

    def sweep(self, batch=SWEEP_BATCH):
        """Delete up to ``batch`` failures older than the window; how many went."""
        expired = (LoginFailure.select(LoginFailure.id)
                   .where(LoginFailure.at <= self.clock() - WINDOW)
                   .order_by(LoginFailure.at).limit(batch))
        return LoginFailure.delete().where(LoginFailure.id.in_(expired)).execute()

    def _insert(self, address, name):
        now = self.clock()
        LoginFailure.insert_many([{"key": key, "at": now}
                                  for key in self._keys(address, name)]).execute()

    @staticmethod
    def _delete_newest(keys):
        newest = (LoginFailure.select(peewee.fn.MAX(LoginFailure.id))
                  .where(LoginFailure.key.in_(keys)).group_by(LoginFailure.key))
        LoginFailure.delete().where(LoginFailure.id.in_(newest)).execute()

    @staticmethod
    def _keys(address, name):
        name = name.lower()
        return (throttle_key("name from address", address, name),
                throttle_key("address", address, None),
                throttle_key("name", None, name))


def _union_all(parts):
    """One statement of the parts, each in a subquery of its own (a LIMIT inside a
    compound select must be, on SQLite)."""
    sqls, params = [], []
    for part in parts:
        sql, part_params = database.get_sql_context().sql(part).query()
        sqls.append(f"SELECT * FROM ({sql}) AS part{len(sqls)}")
        params.extend(part_params)
    return " UNION ALL ".join(sqls), params
