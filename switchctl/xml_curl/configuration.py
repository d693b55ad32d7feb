"""The configuration section: module configurations switchctl generates from the
database. Every other module's configuration stays in freeswitch-conf's files: for those
(and whenever generating fails) FreeSWITCH gets not-found and reads its own file."""

from switchctl.xml_curl import queues
from switchctl.xml_curl.documents import NOT_FOUND

# key_value (the configuration file's name) -> its generator (an FsRequest -> bytes or None)
GENERATED = {
    "callcenter.conf": queues.configuration,
}


def answer(request):
    generate = GENERATED.get(request.get("key_value"))
    document = generate(request) if generate is not None else None
    return NOT_FOUND if document is None else document
