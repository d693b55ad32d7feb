"""Time zones for tests of a domain whose days are not this machine's."""

import datetime
import zoneinfo

from switchctl.services.domains import machine_zone


def other_zone():
    """The name of a zone eight hours or more off this machine's."""
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    sample = datetime.datetime(2018, 3, 14, 12)
    if abs(sample.replace(tzinfo=machine_zone()).utcoffset()
           - sample.replace(tzinfo=shanghai).utcoffset()) >= datetime.timedelta(hours=8):
        return "Asia/Shanghai"
    return "America/Los_Angeles"
