from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class SourceSynced(_message.Message):
    __slots__ = ("source", "ok", "signals", "error", "duration_ms")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    source: str
    ok: bool
    signals: int
    error: str
    duration_ms: int
    def __init__(self, source: _Optional[str] = ..., ok: _Optional[bool] = ..., signals: _Optional[int] = ..., error: _Optional[str] = ..., duration_ms: _Optional[int] = ...) -> None: ...

class SourceConnected(_message.Message):
    __slots__ = ("source", "method", "scopes")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    source: str
    method: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, source: _Optional[str] = ..., method: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ...) -> None: ...

class SourceDisconnected(_message.Message):
    __slots__ = ("source", "revoked", "revoke_error", "forgotten")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    REVOKE_ERROR_FIELD_NUMBER: _ClassVar[int]
    FORGOTTEN_FIELD_NUMBER: _ClassVar[int]
    source: str
    revoked: bool
    revoke_error: str
    forgotten: bool
    def __init__(self, source: _Optional[str] = ..., revoked: _Optional[bool] = ..., revoke_error: _Optional[str] = ..., forgotten: _Optional[bool] = ...) -> None: ...
