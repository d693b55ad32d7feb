"""Dialling a conference room (manual §2.8): the PIN asked, then the room as moderator
(admin PIN) or member (user PIN, or none when the room has none).

Skeleton: the conference work fills it in."""


class ConferenceRoomFlow:
    def __init__(self, call, context):
        self.call = call
        self.context = context

    def run(self):
        raise NotImplementedError("conference rooms are not built yet")
