"""How tests talk to switchctl as its users do: the CLI, HTTP and xml_curl posts, the portal's
forms and event stream, a real Chromium.
"""
