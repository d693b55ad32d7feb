"""Domains and their settings."""

import functools
import logging
import os
import zoneinfo

from switchctl.models import Domain, OutboundRoute, Setting, database
from switchctl.services import sessions
from switchctl.services.numbers import split_outbound
from switchctl.services.prepared import Prepared

DEFAULT_OUTBOUND_PREFIX = "9"
DEFAULT_GATEWAY = "trunk"
PORTAL_ENABLED = "portal_enabled"
PORTAL_ON = "1"  # the setting's value when the user portal is on
TIME_ZONE = "timezone"  # an IANA name; none: the machine's zone

log = logging.getLogger(__name__)


def ensure_domain(name):
    """The domain called ``name``, created with its default outbound route if new."""
    with database.atomic():
        domain, created = Domain.get_or_create(name=name)
        if created:
            OutboundRoute.create(domain=domain, prefix=DEFAULT_OUTBOUND_PREFIX,
                                 gateway=DEFAULT_GATEWAY)
    return domain


_BY_NAME = Prepared(lambda name: Domain.select().where(Domain.name == name), 1)
_ROUTES = Prepared(lambda domain_name: (
    OutboundRoute.select().join(Domain, on=(OutboundRoute.domain == Domain.id))
    .where(Domain.name == domain_name).order_by(OutboundRoute.prefix)), 1)


def find_domain(name):
    return Domain.get_or_none(Domain.name == name)


def domain_record(name):
    """A read-only record of domain ``name`` for routing (one prepared query)."""
    return _BY_NAME.first(name)


def outbound_routes(domain_name):
    """Read-only records of the domain's outbound routes (one prepared query)."""
    return _ROUTES.rows(domain_name)


def trunk(domain_name, number):
    """``(gateway, external number)`` if ``number`` is an outbound prefix + outside number
    in ``domain_name``; None otherwise."""
    for route in outbound_routes(domain_name):
        split = split_outbound(number, [route.prefix])
        if split:
            return route.gateway, split[1]
    return None


def get_setting(domain, key, default=""):
    row = Setting.get_or_none(Setting.domain == domain, Setting.key == key)
    return default if row is None else row.value


def set_setting(domain, key, value):
    (Setting.insert(domain=domain, key=key, value=value)
     .on_conflict(conflict_target=[Setting.domain, Setting.key],
                  update={Setting.value: value})
     .execute())


def portal_enabled(domain):
    return get_setting(domain, PORTAL_ENABLED, "0") == PORTAL_ON


def set_portal_enabled(domain, enabled):
    """Switch the user portal on or off for the domain; off ends its users' sessions
    (admins and operators stay logged in: they may log in while it is off)."""
    with database.atomic():
        set_setting(domain, PORTAL_ENABLED, PORTAL_ON if enabled else "0")
        if not enabled:
            sessions.end_for_domain(domain, extensions_only=True)


def outbound_prefixes(domain):
    return [route.prefix for route in outbound_routes(domain.name)]


# Time zones: people give and hear wall-clock times in their domain's zone.

@functools.lru_cache(maxsize=1)
def machine_zone():
    """The zone of this machine: ``TZ`` if it names one, else /etc/localtime, else UTC."""
    found = named_zone(os.environ.get("TZ", "").lstrip(":"))
    if found is not None:
        return found
    try:
        with open("/etc/localtime", "rb") as data:
            return zoneinfo.ZoneInfo.from_file(data, key="localtime")
    except (OSError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def named_zone(name):
    """The IANA zone ``name`` (``Europe/Paris``), or None when there is none by that name."""
    if not name or not name.isascii() or name.startswith("/") or ".." in name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_setting(value, domain_id=None):
    """The zone a stored ``timezone`` setting names; the machine's for none, and for one
    that names no zone (logged once per value)."""
    zone = named_zone(value)
    if zone is None:
        if value:
            _unusable_zone(domain_id, value)
        zone = machine_zone()
    return zone


@functools.lru_cache(maxsize=256)
def _unusable_zone(domain_id, value):
    log.warning("domain %s: setting %s=%r is not a time zone: the machine's zone applies",
                domain_id, TIME_ZONE, value)


def time_zone(domain):
    """The time zone of ``domain`` (a Domain or its id): its ``timezone`` setting, else
    the machine's."""
    return zone_setting(get_setting(domain, TIME_ZONE), getattr(domain, "id", domain))
