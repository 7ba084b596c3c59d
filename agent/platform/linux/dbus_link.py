"""A small asyncio D-Bus client on jeepney that receives file descriptors and notices loss.

Why not ``jeepney.io.asyncio``: it cannot receive file descriptors (logind's ``Inhibit``
returns one), and its signal queues are never told that the connection closed, so a
listener would wait forever after the bus went away. Here every subscription queue gets
a ``None`` when the bus closes, or when the service it follows loses its bus name.

Threading: one link belongs to one asyncio loop; use it only from that loop.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jeepney import HeaderFields, Message, MessageType, Parser
from jeepney.auth import BEGIN, Authenticator
from jeepney.bus import get_bus
from jeepney.bus_messages import MatchRule, message_bus
from jeepney.fds import FileDescriptor, fds_buf_size
from jeepney.wrappers import DBusAddress, DBusErrorResponse, Properties

CALL_TIMEOUT = 5.0


class BusGone(ConnectionError):
    """The bus connection closed, or the service being followed left the bus."""


class DBusCallError(DBusErrorResponse):  # type: ignore[misc]
    """An error reply, worded for ``doctor``: "ServiceUnknown: The name ... was not provided"."""

    def __str__(self) -> str:
        short = str(self.name).rsplit(".", 1)[-1]
        detail = self.data[0] if self.data and isinstance(self.data[0], str) else ""
        return f"{short}: {detail}" if detail else short


class DBusLink:
    """One connection to a bus: method calls with replies, and signal subscriptions."""

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self._sock = sock
        self._loop = loop
        self._parser = Parser()
        self._serial = 0
        self._replies: dict[int, asyncio.Future[Message]] = {}
        self._subscriptions: list[tuple[list[MatchRule], str | None, asyncio.Queue[Any]]] = []
        self._send_lock = asyncio.Lock()
        self._closed: BaseException | None = None
        loop.add_reader(sock.fileno(), self._readable)

    @classmethod
    async def open(cls, bus: str = "SESSION") -> DBusLink:
        """Connect and authenticate (with fd passing) to ``SESSION``, ``SYSTEM`` or an address."""
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
            async with asyncio.timeout(CALL_TIMEOUT):
                try:
                    address = get_bus(bus)
                except KeyError as exc:  # no DBUS_SESSION_BUS_ADDRESS in the environment
                    raise BusGone(f"no {bus.lower()} bus address ({exc})") from exc
                try:
                    await loop.sock_connect(sock, address)
                except OSError as exc:
                    raise BusGone(f"no {bus.lower()} bus here ({exc.strerror or exc})") from exc
                auth = Authenticator(enable_fds=True)
                for request in auth:
                    await loop.sock_sendall(sock, request)
                    data = await loop.sock_recv(sock, 1024)
                    if not data:
                        raise BusGone("bus closed during authentication")
                    auth.feed(data)
                await loop.sock_sendall(sock, BEGIN)
        except BaseException:
            sock.close()
            raise
        link = cls(sock, loop)
        with link.closed_on_error():
            await link.call(message_bus.Hello())
        return link

    async def call(self, message: Message, timeout: float = CALL_TIMEOUT) -> tuple[Any, ...]:
        """The reply body; raises ``DBusErrorResponse`` or ``BusGone``."""
        future: asyncio.Future[Message] = self._loop.create_future()
        serial = await self._send(message, future)
        try:
            async with asyncio.timeout(timeout):
                reply = await future
        finally:
            self._replies.pop(serial, None)
        if reply.header.message_type is MessageType.error:
            raise DBusCallError(reply)
        body: tuple[Any, ...] = reply.body
        return body

    async def get_property(self, address: DBusAddress, name: str) -> Any:
        (_signature, value), *_ = await self.call(Properties(address).get(name))
        return value

    async def subscribe(
        self, rules: list[MatchRule], service: str | None = None
    ) -> asyncio.Queue[Any]:
        """A queue of messages matching ``rules``; ``None`` in it means the source is gone.

        With ``service`` (a well-known bus name), losing or changing its owner also ends
        the subscription: the service restarted and forgot us.
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        if self._closed is not None:
            queue.put_nowait(None)
            return queue
        for rule in rules:
            await self.call(message_bus.AddMatch(rule))
        if service is not None:
            await self.call(message_bus.AddMatch(_owner_rule(service)))
        self._subscriptions.append((rules, service, queue))
        return queue

    @staticmethod
    async def receive(queue: asyncio.Queue[Any]) -> Message:
        """The next message of a subscription; raises ``BusGone`` when it ended."""
        message = await queue.get()
        if message is None:
            queue.put_nowait(None)
            raise BusGone("the D-Bus service or bus went away")
        assert isinstance(message, Message)
        return message

    def close(self) -> None:
        if self._closed is None:
            self._shutdown(BusGone("closed"))

    @contextmanager
    def closed_on_error(self) -> Iterator[DBusLink]:
        """Close this link if the block fails: a source whose probe failed leaves nothing open."""
        try:
            yield self
        except BaseException:
            self.close()
            raise

    @property
    def closed(self) -> bool:
        return self._closed is not None

    async def _send(self, message: Message, future: asyncio.Future[Message]) -> int:
        if self._closed is not None:
            raise BusGone(str(self._closed))
        self._serial += 1
        serial = self._serial
        self._replies[serial] = future
        async with self._send_lock:
            await self._loop.sock_sendall(self._sock, message.serialise(serial=serial))
        return serial

    def _readable(self) -> None:
        try:
            data, ancdata, flags, _ = self._sock.recvmsg(
                self._parser.bytes_desired(), fds_buf_size()
            )
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._shutdown(exc)
            return
        if not data:
            self._shutdown(BusGone("bus connection closed"))
            return
        self._parser.add_data(data, FileDescriptor.from_ancdata(ancdata))
        while (message := self._parser.get_next_message()) is not None:
            self._dispatch(message)

    def _dispatch(self, message: Message) -> None:
        reply_to = message.header.fields.get(HeaderFields.reply_serial)
        if reply_to is not None:
            future = self._replies.pop(reply_to, None)
            if future is not None and not future.done():
                future.set_result(message)
            return
        if message.header.message_type is not MessageType.signal:
            return
        for rules, service, queue in self._subscriptions:
            if service is not None and _owner_rule(service).matches(message):
                queue.put_nowait(None)
            elif any(rule.matches(message) for rule in rules):
                queue.put_nowait(message)

    def _shutdown(self, reason: BaseException) -> None:
        self._closed = reason
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        replies, self._replies = self._replies, {}
        for future in replies.values():
            if not future.done():
                future.set_exception(BusGone(str(reason)))
        for _rules, _service, queue in self._subscriptions:
            queue.put_nowait(None)


def _owner_rule(service: str) -> MatchRule:
    rule = MatchRule(
        type="signal",
        sender="org.freedesktop.DBus",
        interface="org.freedesktop.DBus",
        member="NameOwnerChanged",
    )
    rule.add_arg_condition(0, service)
    return rule
