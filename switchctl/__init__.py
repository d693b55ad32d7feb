"""switchctl: an office IP-PBX on FreeSWITCH."""

__version__ = "0.1.0"
