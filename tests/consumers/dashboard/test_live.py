"""The live hub: every client gets every frame; one that falls behind is let go, the others are not slowed."""

from __future__ import annotations

import asyncio

from baystream.consumers.dashboard.live import LiveHub


def test_broadcast_reaches_everyone_and_a_full_client_is_dropped() -> None:
    async def scenario() -> None:
        hub = LiveHub(client_queue=2)
        keeping_up, falling_behind = hub.subscribe(), hub.subscribe()
        hub.broadcast("indicators", [{"scope": "SPB", "value": 1.5}])
        assert keeping_up.get_nowait() == b'event: indicators\ndata: [{"scope":"SPB","value":1.5}]\n\n'
        hub.broadcast("alert", {"n": 2})
        assert keeping_up.get_nowait() == b'event: alert\ndata: {"n":2}\n\n'
        hub.broadcast("alert", {"n": 3})  # falling_behind already holds two frames: it is let go
        assert falling_behind.get_nowait() is None and falling_behind.empty()
        assert hub.client_count == 1
        assert keeping_up.get_nowait() == b'event: alert\ndata: {"n":3}\n\n'
        hub.close_all()
        assert keeping_up.get_nowait() is None and hub.client_count == 0

    asyncio.run(scenario())
