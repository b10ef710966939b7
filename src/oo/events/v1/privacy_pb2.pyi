from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class DataDeleted(_message.Message):
    __slots__ = ("scope", "counts")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    scope: str
    counts: _containers.ScalarMap[str, int]
    def __init__(self, scope: _Optional[str] = ..., counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ConsentChanged(_message.Message):
    __slots__ = ("subject", "given", "text_version")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    GIVEN_FIELD_NUMBER: _ClassVar[int]
    TEXT_VERSION_FIELD_NUMBER: _ClassVar[int]
    subject: str
    given: bool
    text_version: int
    def __init__(self, subject: _Optional[str] = ..., given: _Optional[bool] = ..., text_version: _Optional[int] = ...) -> None: ...
