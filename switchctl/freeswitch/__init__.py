"""FreeSWITCH's vocabulary, in one low place: the dialplan contexts we serve, what a
failed bridge means, the channel variables we set and read, the prompts we play, the
commands we send over the event socket, its %-encoding. Nothing here reads the
database or imports from the layers above (xml_curl, esl, ivr, portal)."""
