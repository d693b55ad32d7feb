"""Stand-ins for FreeSWITCH that speak its real formats: the event socket over TCP, its
dialplan engine, its XML preprocessor, whole calls through switchctl.
"""
