"""The parent's share-out of connections between workers (`api.web.dispatch`): each to
the live worker holding the fewest, a gone worker skipped."""

from __future__ import annotations

import errno
import socket

from api.web.dispatch import Channels


def _received(channels: Channels, slot: int) -> int:
    """How many descriptors worker `slot`'s channel holds (each closed once counted)."""
    end = channels._child[slot]
    end.setblocking(False)
    count = 0
    while True:
        try:
            _, descriptors, _, _ = socket.recv_fds(end, 16, 16)
        except BlockingIOError:
            return count
        for descriptor in descriptors:
            socket.socket(fileno=descriptor).close()
        count += len(descriptors)


def test_each_connection_goes_to_the_worker_holding_the_fewest() -> None:
    channels = Channels(3)
    pairs = [socket.socketpair() for _ in range(9)]
    try:
        for ours, _theirs in pairs[:6]:
            channels._hand(ours)
        assert channels.sent == [2, 2, 2]
        assert [_received(channels, k) for k in range(3)] == [2, 2, 2]
        channels.closed[1] = 2  # worker 1 reports both its connections closed
        channels.closed[2] = 1
        for ours, _theirs in pairs[6:9]:
            channels._hand(ours)
        # open: 2, 0, 1 -> worker 1 twice (0 then 1 held, the lowest slot on a tie), then 2
        assert channels.sent == [2, 4, 3]
        assert [_received(channels, k) for k in range(3)] == [0, 2, 1]
    finally:
        for ours, theirs in pairs:
            ours.close()
            theirs.close()
        channels.close()


def test_a_worker_whose_channel_closed_is_skipped_and_marked_gone() -> None:
    channels = Channels(2)
    channels._child[0].close()  # worker 0 died: its end of the pair is gone
    pairs = [socket.socketpair() for _ in range(2)]
    try:
        for ours, _theirs in pairs:
            channels._hand(ours)
        assert channels.alive == [False, True]
        assert channels.sent == [0, 2]
        assert _received(channels, 1) == 2
        channels.gone(1)
        channels._hand(pairs[0][0])  # no worker left: the connection is not handed
        assert channels.sent == [0, 2]
    finally:
        for ours, theirs in pairs:
            ours.close()
            theirs.close()
        channels.close()


class _Listener:
    """A listening socket's `accept` as a script: errors to raise, connections to give."""

    def __init__(self, script: list[OSError | socket.socket]) -> None:
        self.script = script

    def accept(self) -> tuple[socket.socket, object]:
        step = self.script.pop(0)
        if isinstance(step, OSError):
            raise step
        return step, None


def test_the_dispatcher_waits_out_a_passing_accept_failure_and_stops_when_the_listener_closes() -> None:
    channels = Channels(1)
    ours, theirs = socket.socketpair()
    try:
        listener = _Listener([
            OSError(errno.EMFILE, "Too many open files"),  # no descriptor left for now
            OSError(errno.ECONNABORTED, "Software caused connection abort"),
            ours,
            OSError(errno.EINVAL, "Invalid argument"),  # shut down: the end
        ])  # fmt: skip
        channels.dispatch(listener)  # type: ignore[arg-type]
        assert listener.script == []
        assert channels.sent == [1]
        assert _received(channels, 0) == 1
    finally:
        theirs.close()
        channels.close()
