from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class MoodRecorded(_message.Message):
    __slots__ = ("score", "note")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    score: int
    note: str
    def __init__(self, score: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class HabitAdded(_message.Message):
    __slots__ = ("habit_id", "name", "every")
    HABIT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVERY_FIELD_NUMBER: _ClassVar[int]
    habit_id: str
    name: str
    every: str
    def __init__(self, habit_id: _Optional[str] = ..., name: _Optional[str] = ..., every: _Optional[str] = ...) -> None: ...

class HabitRemoved(_message.Message):
    __slots__ = ("habit_id",)
    HABIT_ID_FIELD_NUMBER: _ClassVar[int]
    habit_id: str
    def __init__(self, habit_id: _Optional[str] = ...) -> None: ...

class HabitCheckedIn(_message.Message):
    __slots__ = ("habit_id",)
    HABIT_ID_FIELD_NUMBER: _ClassVar[int]
    habit_id: str
    def __init__(self, habit_id: _Optional[str] = ...) -> None: ...
