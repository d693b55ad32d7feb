"""Numeric domain settings (``Setting`` rows holding text): each has a default and the
values it may take. A stored value that cannot be used counts as the default and is
logged once; a new one is checked before it is stored."""

import dataclasses
import functools
import logging

from switchctl.models import Setting
from switchctl.services import ValidationError, domains

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Limit:
    """One numeric domain setting: its default and the values it may take."""

    default: int
    lowest: int
    highest: int
    unit: str


def number_within(text, limit):
    """The whole number ``text`` within ``limit``; its default for no text; None if bad."""
    if text is None or text == "":
        return limit.default
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    number = int(text)
    return number if limit.lowest <= number <= limit.highest else None


def numbers_of(values, limits, domain_id=None, feature="domain"):
    """``{key: number}`` for every key of ``limits`` from the stored ``values``."""
    numbers = {}
    for key, limit in limits.items():
        number = number_within(values.get(key), limit)
        if number is None:
            _bad_setting(feature, domain_id, key, values[key])
        numbers[key] = limit.default if number is None else number
    return numbers


@functools.lru_cache(maxsize=256)
def _bad_setting(feature, domain_id, key, value):
    """Log (once per value) a stored setting that cannot be used."""
    log.warning("domain %s: %s setting %s=%r cannot be used: the default applies",
                domain_id, feature, key, value)


def stored_values(domain_ids, keys):
    """``{domain id: {key: text}}`` of ``keys`` for each of ``domain_ids`` (one query)."""
    ids = list(set(domain_ids))
    values = {domain_id: {} for domain_id in ids}
    rows = (Setting.select(Setting.domain, Setting.key, Setting.value)
            .where(Setting.domain.in_(ids), Setting.key.in_(list(keys))).tuples())
    for domain_id, key, value in rows:
        values[domain_id][key] = value
    return values


def check_number(key, value, limit):
    """Raise ValidationError unless ``value`` may be stored as setting ``key``."""
    if number_within(value, limit) is None:
        raise ValidationError(f"{key} is a whole number from {limit.lowest} to "
                              f"{limit.highest} ({limit.unit})")


def store(domain, key, value):
    """Store ``value`` (check it first: check_number) as setting ``key``; "" puts the
    default back."""
    if value:
        domains.set_setting(domain, key, value)
    else:
        Setting.delete().where(Setting.domain == domain, Setting.key == key).execute()


def settings_by_domain(domain_ids, keys, make):
    """``{domain id: make(its stored values of keys, domain id)}`` for each of
    ``domain_ids`` (one query): a feature's settings object per domain."""
    return {domain_id: make(found, domain_id)
            for domain_id, found in stored_values(domain_ids, keys).items()}
