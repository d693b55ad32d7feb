"""Feature-code overrides: an admin's own code for a feature, per domain."""

import peewee

from switchctl.models.base import BaseModel
from switchctl.models.domains import Domain


class FeatureCodeOverride(BaseModel):
    """An admin's replacement for the default code of one feature."""

    domain = peewee.ForeignKeyField(Domain, backref="feature_codes", on_delete="CASCADE")
    feature = peewee.CharField(max_length=32)
    code = peewee.CharField(max_length=16)

    class Meta:
        indexes = ((("domain", "feature"), True),)
