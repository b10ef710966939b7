from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GenerationRun(_message.Message):
    __slots__ = ("alias", "model", "prompt_version", "requested", "accepted", "rejected", "error", "host", "context_mode", "trial", "duration_ms", "rejected_reasons")
    class RejectedReasonsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_MODE_FIELD_NUMBER: _ClassVar[int]
    TRIAL_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_REASONS_FIELD_NUMBER: _ClassVar[int]
    alias: str
    model: str
    prompt_version: str
    requested: int
    accepted: int
    rejected: int
    error: str
    host: str
    context_mode: str
    trial: bool
    duration_ms: int
    rejected_reasons: _containers.ScalarMap[str, int]
    def __init__(self, alias: _Optional[str] = ..., model: _Optional[str] = ..., prompt_version: _Optional[str] = ..., requested: _Optional[int] = ..., accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., error: _Optional[str] = ..., host: _Optional[str] = ..., context_mode: _Optional[str] = ..., trial: _Optional[bool] = ..., duration_ms: _Optional[int] = ..., rejected_reasons: _Optional[_Mapping[str, int]] = ...) -> None: ...
