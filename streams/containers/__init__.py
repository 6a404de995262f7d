"""Container status as a stream (docs/containers.md): where each box is, its call and carrier, dwell, last free day.

- `streams.containers.status`: the pure model (no Kafka): input events to moves, moves to a `ContainerStatus`
  record (schemas/avro/ContainerStatus.avsc). Readers of the topic may use it to interpret a status.
- `streams.containers.processor`: `baystream containers`, the process that keeps the compacted topic
  `container-status` (keyed by container number) from the input topics.
"""
