"""One-touch recording (manual §2.12): ``*1`` in a call starts or stops recording it.

Skeleton: the recording work fills it in."""

IN_CALL = {}
