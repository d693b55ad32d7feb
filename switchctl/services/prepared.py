"""Read-only lookups compiled to SQL once and re-run with new values.

Building SQL from a peewee query, and turning rows into model instances, cost
several times more than SQLite takes to run the query. The lookups FreeSWITCH
makes on every registration and call are compiled once per database here and
return plain read-only records (attribute access by column name); code that
edits rows keeps using the models.
"""

import peewee

from switchctl.models import database


class Record:
    """One row: attributes named after the selected columns (aliases included)."""

    __slots__ = ("_values",)

    def __init__(self, values):
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError("records are read-only")

    def __repr__(self):
        return f"Record({self._values!r})"


class Prepared:
    """``build(*markers)`` returns a peewee SELECT; ``rows(*values)`` runs it with values
    (an UPDATE or DELETE: ``execute(*values)``).

    Values reach the driver as given: pass what the columns hold (text, ints).
    """

    def __init__(self, build, arity):
        self.build = build
        # converter=False: the field's own conversion must not turn a marker into text.
        self.markers = tuple(peewee.Value(_Marker(i), converter=False) for i in range(arity))
        self.compiled = (None, None)  # (the database it was compiled for, (sql, slots))

    def rows(self, *values):
        sql, slots = self._compiled()
        params = [values[slot.index] if isinstance(slot, _Marker) else slot for slot in slots]
        cursor = database.execute_sql(sql, params)
        names = [column[0] for column in cursor.description]
        return [Record(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    def first(self, *values):
        found = self.rows(*values)
        return found[0] if found else None

    def execute(self, *values):
        """Run a compiled UPDATE or DELETE with values; returns how many rows it changed."""
        sql, slots = self._compiled()
        params = [values[slot.index] if isinstance(slot, _Marker) else slot for slot in slots]
        return database.execute_sql(sql, params).rowcount

    def _compiled(self):
        # The database itself, not its id(): a closed database's id is reused by the next
        # one made (SQL compiled for PostgreSQL's %s reached SQLite in the tests).
        current = database.obj
        compiled_for, compiled = self.compiled
        if compiled_for is not current:
            compiled = self.build(*self.markers).sql()
            self.compiled = (current, compiled)
        return compiled


class _Marker:
    """Stands for the ``index``-th value while the query is compiled."""

    def __init__(self, index):
        self.index = index
