"""``*75`` / ``*76`` / ``*075`` (manual §2.5): the blacklist from the phone."""

from switchctl.freeswitch import contexts, prompts, variables
from switchctl.services import ValidationError, blacklist
from switchctl.services.feature_codes import domain_codes
from switchctl.xml_curl.actions import Route, confirm, invalid, refuse, say_digits


def add_number(domain, caller, number):
    try:
        added = blacklist.add(caller.domain_id, number, added_by=caller.id)
    except ValidationError:
        return invalid("blacklist-refused")
    return confirm("blacklist-add", say_digits(number),
                   prompts.BLACKLIST_ADDED if added else prompts.BLACKLIST_ALREADY)


def ask_number(domain, caller, argument):
    """``*75#``: ask for the number, then come back as ``*75*<number>`` (ENTRY)."""
    code = domain_codes(caller.domain_id)["blacklist_add"]
    return Route("blacklist-enter", (
        ("answer", ""),
        ("sleep", "500"),
        ("play_and_get_digits", f"3 20 3 7000 # {prompts.BLACKLIST_ENTER} "
                                f"{prompts.INVALID_ENTRY} {variables.DIGITS} \\d+ 5000"),
        ("transfer", f"{code}*${{{variables.DIGITS}}} XML {contexts.INTERNAL}"),
    ))


def add_last_caller(domain, caller, argument):
    number = blacklist.last_external_caller(caller.id)
    if number is None:
        return refuse("blacklist-no-caller", prompts.CANNOT_COMPLETE, "NORMAL_CLEARING")
    return add_number(domain, caller, number)


def remove_number(domain, caller, argument):
    removed = blacklist.remove(caller.domain_id, argument)
    return confirm("blacklist-remove", say_digits(argument),
                   prompts.BLACKLIST_REMOVED if removed else prompts.BLACKLIST_NOT_LISTED)


HANDLERS = {
    "blacklist_add": ask_number,
    "blacklist_last": add_last_caller,
    "blacklist_remove": remove_number,
}
# Features that ask for a number and come back with it after the code and a star.
ENTRY = {"blacklist_add": add_number}
