"""A hung notification server: owns org.freedesktop.Notifications on the session bus,
answers introspection, GetServerInformation and GetCapabilities like a real one, and never
answers Notify (as a frozen notification daemon does).

`python tests/servers/notifications.py` prints `ready` once it owns the name and `notify`
for every Notify call it leaves unanswered; it runs until killed.
"""

from __future__ import annotations

import asyncio
import sys

from dbus_fast import BusType, Message, MessageType, RequestNameReply
from dbus_fast.aio import MessageBus

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
INTROSPECTION = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node name="{PATH}">
 <interface name="{NAME}">
  <method name="GetCapabilities"><arg direction="out" type="as"/></method>
  <method name="Notify">
   <arg direction="in" type="s"/><arg direction="in" type="u"/><arg direction="in" type="s"/>
   <arg direction="in" type="s"/><arg direction="in" type="s"/><arg direction="in" type="as"/>
   <arg direction="in" type="a{{sv}}"/><arg direction="in" type="i"/>
   <arg direction="out" type="u"/>
  </method>
  <method name="CloseNotification"><arg direction="in" type="u"/></method>
  <method name="GetServerInformation">
   <arg direction="out" type="s"/><arg direction="out" type="s"/>
   <arg direction="out" type="s"/><arg direction="out" type="s"/>
  </method>
  <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
 </interface>
</node>
"""


def handle(msg: Message) -> Message | bool:
    if msg.message_type is not MessageType.METHOD_CALL or msg.path != PATH:
        return False
    if msg.member == "Introspect":
        return Message.new_method_return(msg, "s", [INTROSPECTION])
    if msg.member == "GetServerInformation":
        return Message.new_method_return(msg, "ssss", ["hung", "oO tests", "1", "1.2"])
    if msg.member == "GetCapabilities":
        return Message.new_method_return(msg, "as", [["body", "actions"]])
    if msg.member == "Notify":
        print("notify", flush=True)
        return True  # handled, never answered
    return False


async def main() -> None:
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    bus.add_message_handler(handle)
    reply = await bus.request_name(NAME)
    if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
        print(f"cannot own {NAME}: {reply}", file=sys.stderr, flush=True)
        raise SystemExit(1)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
