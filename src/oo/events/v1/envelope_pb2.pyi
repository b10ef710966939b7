import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from oo.events.v1 import delivery_pb2 as _delivery_pb2
from oo.events.v1 import llm_pb2 as _llm_pb2
from oo.events.v1 import privacy_pb2 as _privacy_pb2
from oo.events.v1 import signals_pb2 as _signals_pb2
from oo.events.v1 import sources_pb2 as _sources_pb2
from oo.events.v1 import tips_pb2 as _tips_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Event(_message.Message):
    __slots__ = ("id", "type", "time", "source", "mood_recorded", "habit_added", "habit_removed", "habit_checked_in", "tip_decided", "reaction_recorded", "source_synced", "data_deleted", "consent_changed", "notification_decided", "notification_sent", "source_connected", "source_disconnected", "generation_run", "policy_reset", "policy_promoted")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MOOD_RECORDED_FIELD_NUMBER: _ClassVar[int]
    HABIT_ADDED_FIELD_NUMBER: _ClassVar[int]
    HABIT_REMOVED_FIELD_NUMBER: _ClassVar[int]
    HABIT_CHECKED_IN_FIELD_NUMBER: _ClassVar[int]
    TIP_DECIDED_FIELD_NUMBER: _ClassVar[int]
    REACTION_RECORDED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYNCED_FIELD_NUMBER: _ClassVar[int]
    DATA_DELETED_FIELD_NUMBER: _ClassVar[int]
    CONSENT_CHANGED_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_DECIDED_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_SENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CONNECTED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DISCONNECTED_FIELD_NUMBER: _ClassVar[int]
    GENERATION_RUN_FIELD_NUMBER: _ClassVar[int]
    POLICY_RESET_FIELD_NUMBER: _ClassVar[int]
    POLICY_PROMOTED_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    time: _timestamp_pb2.Timestamp
    source: str
    mood_recorded: _signals_pb2.MoodRecorded
    habit_added: _signals_pb2.HabitAdded
    habit_removed: _signals_pb2.HabitRemoved
    habit_checked_in: _signals_pb2.HabitCheckedIn
    tip_decided: _tips_pb2.TipDecided
    reaction_recorded: _tips_pb2.ReactionRecorded
    source_synced: _sources_pb2.SourceSynced
    data_deleted: _privacy_pb2.DataDeleted
    consent_changed: _privacy_pb2.ConsentChanged
    notification_decided: _delivery_pb2.NotificationDecided
    notification_sent: _delivery_pb2.NotificationSent
    source_connected: _sources_pb2.SourceConnected
    source_disconnected: _sources_pb2.SourceDisconnected
    generation_run: _llm_pb2.GenerationRun
    policy_reset: _tips_pb2.PolicyReset
    policy_promoted: _tips_pb2.PolicyPromoted
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ..., mood_recorded: _Optional[_Union[_signals_pb2.MoodRecorded, _Mapping]] = ..., habit_added: _Optional[_Union[_signals_pb2.HabitAdded, _Mapping]] = ..., habit_removed: _Optional[_Union[_signals_pb2.HabitRemoved, _Mapping]] = ..., habit_checked_in: _Optional[_Union[_signals_pb2.HabitCheckedIn, _Mapping]] = ..., tip_decided: _Optional[_Union[_tips_pb2.TipDecided, _Mapping]] = ..., reaction_recorded: _Optional[_Union[_tips_pb2.ReactionRecorded, _Mapping]] = ..., source_synced: _Optional[_Union[_sources_pb2.SourceSynced, _Mapping]] = ..., data_deleted: _Optional[_Union[_privacy_pb2.DataDeleted, _Mapping]] = ..., consent_changed: _Optional[_Union[_privacy_pb2.ConsentChanged, _Mapping]] = ..., notification_decided: _Optional[_Union[_delivery_pb2.NotificationDecided, _Mapping]] = ..., notification_sent: _Optional[_Union[_delivery_pb2.NotificationSent, _Mapping]] = ..., source_connected: _Optional[_Union[_sources_pb2.SourceConnected, _Mapping]] = ..., source_disconnected: _Optional[_Union[_sources_pb2.SourceDisconnected, _Mapping]] = ..., generation_run: _Optional[_Union[_llm_pb2.GenerationRun, _Mapping]] = ..., policy_reset: _Optional[_Union[_tips_pb2.PolicyReset, _Mapping]] = ..., policy_promoted: _Optional[_Union[_tips_pb2.PolicyPromoted, _Mapping]] = ...) -> None: ...
