import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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
    __slots__ = ("tip_id", "library_id", "kind", "category", "candidate_source", "policy", "policy_version", "propensity", "candidate_count", "expires_at", "context", "candidates", "chosen_index", "scores", "probabilities", "shadows")
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
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_INDEX_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    SHADOWS_FIELD_NUMBER: _ClassVar[int]
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
    context: _containers.RepeatedScalarFieldContainer[float]
    candidates: _containers.RepeatedCompositeFieldContainer[CandidateFeatures]
    chosen_index: int
    scores: _containers.RepeatedScalarFieldContainer[float]
    probabilities: _containers.RepeatedScalarFieldContainer[float]
    shadows: _containers.RepeatedCompositeFieldContainer[ShadowDecision]
    def __init__(self, tip_id: _Optional[str] = ..., library_id: _Optional[str] = ..., kind: _Optional[str] = ..., category: _Optional[str] = ..., candidate_source: _Optional[str] = ..., policy: _Optional[str] = ..., policy_version: _Optional[str] = ..., propensity: _Optional[float] = ..., candidate_count: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., context: _Optional[_Iterable[float]] = ..., candidates: _Optional[_Iterable[_Union[CandidateFeatures, _Mapping]]] = ..., chosen_index: _Optional[int] = ..., scores: _Optional[_Iterable[float]] = ..., probabilities: _Optional[_Iterable[float]] = ..., shadows: _Optional[_Iterable[_Union[ShadowDecision, _Mapping]]] = ...) -> None: ...

class CandidateFeatures(_message.Message):
    __slots__ = ("key", "source", "features")
    KEY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    key: str
    source: str
    features: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, key: _Optional[str] = ..., source: _Optional[str] = ..., features: _Optional[_Iterable[float]] = ...) -> None: ...

class ShadowDecision(_message.Message):
    __slots__ = ("policy", "policy_version", "probabilities", "scores")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    policy: str
    policy_version: str
    probabilities: _containers.RepeatedScalarFieldContainer[float]
    scores: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, policy: _Optional[str] = ..., policy_version: _Optional[str] = ..., probabilities: _Optional[_Iterable[float]] = ..., scores: _Optional[_Iterable[float]] = ...) -> None: ...

class PolicyReset(_message.Message):
    __slots__ = ("policy", "reason")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    policy: str
    reason: str
    def __init__(self, policy: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PolicyPromoted(_message.Message):
    __slots__ = ("policy", "previous", "estimated_gain", "lower_bound", "decisions")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_GAIN_FIELD_NUMBER: _ClassVar[int]
    LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    policy: str
    previous: str
    estimated_gain: float
    lower_bound: float
    decisions: int
    def __init__(self, policy: _Optional[str] = ..., previous: _Optional[str] = ..., estimated_gain: _Optional[float] = ..., lower_bound: _Optional[float] = ..., decisions: _Optional[int] = ...) -> None: ...

class ReactionRecorded(_message.Message):
    __slots__ = ("tip_id", "reaction", "later_until")
    TIP_ID_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    LATER_UNTIL_FIELD_NUMBER: _ClassVar[int]
    tip_id: str
    reaction: Reaction
    later_until: _timestamp_pb2.Timestamp
    def __init__(self, tip_id: _Optional[str] = ..., reaction: _Optional[_Union[Reaction, str]] = ..., later_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
