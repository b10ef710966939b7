import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Reaction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REACTION_UNSPECIFIED: _ClassVar[Reaction]
    REACTION_DONE: _ClassVar[Reaction]
    REACTION_USEFUL: _ClassVar[Reaction]
    REACTION_LATER: _ClassVar[Reaction]
    REACTION_DISMISS: _ClassVar[Reaction]
    REACTION_IGNORED: _ClassVar[Reaction]
REACTION_UNSPECIFIED: Reaction
REACTION_DONE: Reaction
REACTION_USEFUL: Reaction
REACTION_LATER: Reaction
REACTION_DISMISS: Reaction
REACTION_IGNORED: Reaction

class TipDecided(_message.Message):
    __slots__ = ("tip_id", "library_id", "kind", "category", "candidate_source", "policy", "policy_version", "propensity", "candidate_count", "expires_at")
    TIP_ID_FIELD_NUMBER: _ClassVar[int]
    LIBRARY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROPENSITY_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    tip_id: str
    library_id: str
    kind: str
    category: str
    candidate_source: str
    policy: str
    policy_version: str
    propensity: float
    candidate_count: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, tip_id: _Optional[str] = ..., library_id: _Optional[str] = ..., kind: _Optional[str] = ..., category: _Optional[str] = ..., candidate_source: _Optional[str] = ..., policy: _Optional[str] = ..., policy_version: _Optional[str] = ..., propensity: _Optional[float] = ..., candidate_count: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReactionRecorded(_message.Message):
    __slots__ = ("tip_id", "reaction", "later_until")
    TIP_ID_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    LATER_UNTIL_FIELD_NUMBER: _ClassVar[int]
    tip_id: str
    reaction: Reaction
    later_until: _timestamp_pb2.Timestamp
    def __init__(self, tip_id: _Optional[str] = ..., reaction: _Optional[_Union[Reaction, str]] = ..., later_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
