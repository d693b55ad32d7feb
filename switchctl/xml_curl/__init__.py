"""mod_xml_curl: FreeSWITCH asks for directory and dialplan XML, we answer from the database."""
