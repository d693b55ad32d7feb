"""A number one of our users dialled: what each kind of destination is shown."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Dialled:
    domain: str  # the domain's name
    caller: object  # the caller's extension record
    number: str  # as dialled, checked to be diallable ("" otherwise)
    found: dict  # extension records of the caller and of the number, by number
