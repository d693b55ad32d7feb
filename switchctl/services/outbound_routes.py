"""Outbound routes (manual §2.10's ``9`` + number) and the SIP gateways they may use.

A route sends numbers dialled with its prefix (prefix stripped) to a gateway of the
switch (``sofia/gateway/<name>/<number>``). The gateways a route may name are the
domain's gateway list: ``trunk``, the one switchctl's freeswitch-conf defines
(sip_profiles/external/trunk.xml), until an admin who adds a gateway file to the switch
lists its name here too. Routing reads the routes on every call (services/domains
.outbound_routes), so a change is served to the next call."""

import re

from switchctl.models import ConferenceRoom, Extension, OutboundRoute, Queue, database
from switchctl.services import ValidationError, one_in_domain
from switchctl.services.domains import DEFAULT_GATEWAY, get_setting, set_setting
from switchctl.services.parking import slot_numbers

GATEWAYS = "outbound_gateways"  # the setting: gateway names, comma-separated
PREFIX_PATTERN = re.compile(r"^[0-9]{1,8}\Z")
# A sofia gateway name, as it goes into a dial string: no / , | ! or spaces.
GATEWAY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


def gateways(domain):
    """The gateway names routes of ``domain`` may use, in the order they were listed."""
    stored = get_setting(domain, GATEWAYS, DEFAULT_GATEWAY)
    return [name for name in stored.split(",") if name]


def add_gateway(domain, name):
    name = name.strip()
    if not GATEWAY_PATTERN.match(name):
        raise ValidationError("gateway name %(name)s must be 1 to 64 letters, digits, _ . or - "
                              "(as in the switch's gateway file)", {"name": name})
    with database.atomic():
        known = gateways(domain)
        if name in known:
            raise ValidationError("gateway %(name)s is listed already", {"name": name})
        set_setting(domain, GATEWAYS, ",".join(known + [name]))


def remove_gateway(domain, name):
    with database.atomic():
        known = gateways(domain)
        if name not in known:
            raise ValidationError("there is no gateway %(name)s", {"name": name})
        used = OutboundRoute.select(OutboundRoute.prefix).where(
            OutboundRoute.domain == domain, OutboundRoute.gateway == name).first()
        if used is not None:
            raise ValidationError("gateway %(name)s is used by the route of prefix %(prefix)s",
                                  {"name": name, "prefix": used.prefix})
        set_setting(domain, GATEWAYS, ",".join(n for n in known if n != name))


def list_routes(domain):
    return OutboundRoute.select().where(OutboundRoute.domain == domain) \
        .order_by(OutboundRoute.prefix)


def find_route(domain, route_id):
    """The route ``route_id`` of ``domain``, or None (another domain's id finds nothing)."""
    return one_in_domain(OutboundRoute, domain, id=route_id)


def route_by_prefix(domain, prefix):
    return one_in_domain(OutboundRoute, domain, ValidationError(
        "there is no outbound route of prefix %(prefix)s", {"prefix": prefix}), prefix=prefix)


def check_route(domain, prefix, gateway, route_id=None):
    """Raise ValidationError unless ``prefix`` may lead to ``gateway`` in ``domain``."""
    if not PREFIX_PATTERN.match(prefix):
        raise ValidationError("prefix %(prefix)s must be 1 to 8 digits", {"prefix": prefix})
    if gateway not in gateways(domain):
        raise ValidationError("gateway %(name)s is not in the gateway list", {"name": gateway})
    _check_prefixes(domain, prefix, route_id)
    taken = _number_starting_with(domain, prefix)
    if taken is not None:
        raise ValidationError("prefix %(prefix)s is the start of the number %(number)s already "
                              "in use", {"prefix": prefix, "number": taken})


def _check_prefixes(domain, prefix, route_id):
    others = OutboundRoute.select(OutboundRoute.prefix).where(OutboundRoute.domain == domain)
    if route_id is not None:
        others = others.where(OutboundRoute.id != route_id)
    for (other,) in others.tuples():
        if other == prefix:
            raise ValidationError("prefix %(prefix)s has a route already", {"prefix": prefix})
        if other.startswith(prefix) or prefix.startswith(other):
            raise ValidationError("prefix %(prefix)s overlaps the route of prefix %(other)s",
                                  {"prefix": prefix, "other": other})


def _number_starting_with(domain, prefix):
    """An extension, room, queue or parking slot number that starts with ``prefix``."""
    for model in (Extension, ConferenceRoom, Queue):
        row = model.select(model.number).where(model.domain == domain,
                                               model.number.startswith(prefix)).first()
        if row is not None:
            return row.number
    return next((slot for slot in sorted(slot_numbers(domain)) if slot.startswith(prefix)), None)


def add_route(domain, prefix, gateway):
    prefix, gateway = prefix.strip(), gateway.strip()
    with database.atomic():
        check_route(domain, prefix, gateway)
        return OutboundRoute.create(domain=domain, prefix=prefix, gateway=gateway)


def update_route(route, prefix=None, gateway=None):
    """Change what is given (None: keep it), checked before anything is stored."""
    prefix = route.prefix if prefix is None else prefix.strip()
    gateway = route.gateway if gateway is None else gateway.strip()
    with database.atomic():
        check_route(route.domain_id, prefix, gateway, route_id=route.id)
        route.prefix, route.gateway = prefix, gateway
        route.save()
    return route


def remove_route(route):
    route.delete_instance()
