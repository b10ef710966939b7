import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationDecided(_message.Message):
    __slots__ = ("tip_id", "send", "probability", "reason", "decision_point", "hour", "weekday", "policy")
    TIP_ID_FIELD_NUMBER: _ClassVar[int]
    SEND_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECISION_POINT_FIELD_NUMBER: _ClassVar[int]
    HOUR_FIELD_NUMBER: _ClassVar[int]
    WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    tip_id: str
    send: bool
    probability: float
    reason: str
    decision_point: str
    hour: int
    weekday: int
    policy: str
    def __init__(self, tip_id: _Optional[str] = ..., send: _Optional[bool] = ..., probability: _Optional[float] = ..., reason: _Optional[str] = ..., decision_point: _Optional[str] = ..., hour: _Optional[int] = ..., weekday: _Optional[int] = ..., policy: _Optional[str] = ...) -> None: ...

class NotificationSent(_message.Message):
    __slots__ = ("tip_id", "shown", "decided_at")
    TIP_ID_FIELD_NUMBER: _ClassVar[int]
    SHOWN_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    tip_id: str
    shown: bool
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, tip_id: _Optional[str] = ..., shown: _Optional[bool] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
