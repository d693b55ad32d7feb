"""``*62`` / ``*062`` / ``*95`` / ``*095`` (manual §2.7): queue agents log in and out,
pause and unpause.

Skeleton: the queue work fills it in (each code hands the call to the queue_agent flow)."""

HANDLERS = {}
