"""The hub's JetStream layout: streams, the hub's consumer, one consumer per village."""

from __future__ import annotations

import ssl
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from loket_protocol import subjects
from regency_hub.config import HubSettings
from regency_hub.natsconf import HUB_USER, hub_password

DAY = 86_400


async def _quiet(_error: Exception) -> None:
    return None


async def connect(settings: HubSettings) -> Client:
    context = ssl.create_default_context(cafile=str(settings.nats_dir / "tls" / "ca.pem"))
    return await nats.connect(
        servers=[settings.local_nats_url],
        user=HUB_USER,
        password=hub_password(settings),
        tls=context,
        error_cb=_quiet,
        connect_timeout=10,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        name="loket-regency-hub",
    )


async def ensure_streams(js: JetStreamContext, settings: HubSettings) -> None:
    up = StreamConfig(
        name=subjects.UP_STREAM,
        subjects=["loket.up.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        # Kept a month after the hub stored them: a PostgreSQL restore can replay them.
        max_age=30 * DAY,
        duplicate_window=settings.duplicate_window_seconds,
        # The server allows 256 KiB (the archive accounts' object chunks); an event is
        # bounded here, before it is stored.
        max_msg_size=65536,
    )
    down = StreamConfig(
        name=subjects.DOWN_STREAM,
        subjects=["loket.down.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        max_age=90 * DAY,
        duplicate_window=settings.duplicate_window_seconds,
        max_msg_size=65536,
    )
    for config in (up, down):
        try:
            await js.stream_info(config.name or "")
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)
    await js.add_consumer(
        subjects.UP_STREAM,
        ConsumerConfig(
            durable_name=subjects.HUB_CONSUMER,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60,
            max_ack_pending=20_000,
        ),
    )


async def ensure_village_consumer(js: JetStreamContext, kode_desa: str) -> None:
    """The village's durable pull consumer: its own subjects and the broadcasts."""
    config = ConsumerConfig(
        durable_name=subjects.village_consumer(kode_desa),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=60,
        filter_subjects=[
            subjects.down_subject(kode_desa, ">"),
            subjects.down_subject(None, ">"),
        ],
    )
    await js.add_consumer(subjects.DOWN_STREAM, config)


def publish_headers(event_id: str) -> dict[str, Any]:
    return {"Nats-Msg-Id": event_id}
