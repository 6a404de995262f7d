"""The worker's own topics exist, with their partitions, before Faust starts (streams.app.ensure_topics)."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from baystream.infra.kafka_config import admin_config
from baystream.infra.settings import Settings
from baystream.streams.app import changelog_topics, create_app, ensure_topics, partials_topic


def test_the_changelogs_ensured_are_the_ones_faust_uses(broker_settings: Settings, fresh_name: str) -> None:
    """Names and partitions as the app's tables derive them, so that Faust finds them made and never makes its own."""
    settings = broker_settings.with_overrides(app_id=fresh_name)
    tables = create_app(settings).tables
    used = {t.changelog_topic.get_topic_name(): t.partitions for t in tables.values()}
    assert used == changelog_topics(settings)


def test_every_broker_lists_the_worker_topics_before_the_worker_starts(
    broker_settings: Settings, fresh_name: str
) -> None:
    """A worker whose first metadata predated its changelogs crashed with PartitionsMismatch (docs/reliability.md)."""
    settings = broker_settings.with_overrides(app_id=fresh_name)
    ensure_topics(settings)
    wanted = {partials_topic(settings): 1, **changelog_topics(settings)}
    for address in str(settings.kafka.bootstrap).split(","):  # each broker's own metadata, not the cluster's
        listed = AdminClient(admin_config(settings.with_overrides(bootstrap=address))).list_topics(timeout=15).topics
        assert {name: len(listed[name].partitions) for name in wanted if name in listed} == wanted, address
    admin = AdminClient(admin_config(settings))
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in changelog_topics(settings)]
    for future in admin.describe_configs(resources).values():
        assert future.result(timeout=15)["cleanup.policy"].value == "compact"
    ensure_topics(settings)  # a second worker starting: everything exists, nothing fails
