"""What became of a bridge that failed, read from FreeSWITCH's originate_disposition."""

BUSY = "busy"
NO_ANSWER = "no_answer"
UNAVAILABLE = "unavailable"
FAILED = "failed"

_BY_DISPOSITION = {
    "USER_BUSY": BUSY,
    "CALL_REJECTED": BUSY,
    "NO_ANSWER": NO_ANSWER,
    "NO_USER_RESPONSE": NO_ANSWER,
    "ALLOTTED_TIMEOUT": NO_ANSWER,
    "PROGRESS_TIMEOUT": NO_ANSWER,
    "USER_NOT_REGISTERED": UNAVAILABLE,
    "SUBSCRIBER_ABSENT": UNAVAILABLE,
    "UNALLOCATED_NUMBER": UNAVAILABLE,
    "NO_ROUTE_DESTINATION": UNAVAILABLE,
}

HANGUP_CAUSE = {
    BUSY: "USER_BUSY",
    NO_ANSWER: "NO_ANSWER",
    UNAVAILABLE: "USER_NOT_REGISTERED",
    FAILED: "NORMAL_TEMPORARY_FAILURE",
}


def classify(disposition):
    """Map ``originate_disposition`` (or DIALSTATUS) to busy / no_answer / unavailable / failed."""
    return _BY_DISPOSITION.get((disposition or "").upper(), FAILED)
