"""mod_xml_cdr: FreeSWITCH posts every finished call; switchctl stores it once."""
