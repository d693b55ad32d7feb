"""``**11`` / ``**12`` / ``**13`` (manual §2.12): the phone hears an address or its number."""

from switchctl.freeswitch import prompts
from switchctl.xml_curl.actions import confirm, say_digits


def extension(domain, caller, argument):
    return confirm("announce-extension", prompts.EXTENSION_NUMBER, say_digits(caller.number))


def lan_ip(domain, caller, argument):
    # bind_ip (freeswitch-conf/vars.xml) is the address the phones use.
    return confirm("announce-lan-ip", ("say", "en ip_address pronounced ${bind_ip}"))


def wan_ip(domain, caller, argument):
    # external_sip_ip is set in freeswitch-conf/vars.xml: the address the world sees.
    return confirm("announce-wan-ip", ("say", "en ip_address pronounced ${external_sip_ip}"))


HANDLERS = {
    "announce_extension": extension,
    "announce_lan_ip": lan_ip,
    "announce_wan_ip": wan_ip,
}
