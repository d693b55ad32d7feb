"""The dialplan contexts switchctl serves.

- ``default``: calls from our own users (the directory's ``user_context``).
- ``public``: calls from outside (the trunk, unauthenticated).
- ``outcome``: a failed bridge transfers here with the number it tried.
- ``in_call``: an in-call code pressed during a bridged call (``*4#``, ``#<number>``,
  ``*2<number>``, ``*1``, ``*0``) runs ``execute_extension <feature key> XML in_call`` on
  the leg that pressed it (xml_curl/in_call.py); the other party is held meanwhile.
- ``transfer``: a party transferred with ``#<number>`` is routed here as
  ``<transferor>*<number>``, with the transferor's rights (xml_curl/transfers.py).
- ``orbit``: a parked call nobody retrieved comes back here to ring the parker
  (xml_curl/parking.py).
- ``conference``: a party moved into a conference room by switchctl (an ad-hoc room, an
  invitee), without a PIN (xml_curl/conferences.py).
- ``queue_exit``: a queue caller whose ``callcenter`` application returned
  (xml_curl/queues.py).
Only switchctl's own dialplan transfers calls into the last five: a phone is given
``default`` or ``public`` and cannot name another.
"""

INTERNAL = "default"
PUBLIC = "public"
OUTCOME = "outcome"
IN_CALL = "in_call"
TRANSFER = "transfer"
ORBIT = "orbit"
CONFERENCE = "conference"
QUEUE_EXIT = "queue_exit"
