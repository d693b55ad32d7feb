"""The database proxy and the base model every table derives from."""

import datetime

import peewee

database = peewee.DatabaseProxy()


def now():
    return datetime.datetime.now().replace(microsecond=0)


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False
