"""The HTTP gateway: parties that cannot run a Kafka client publish events over HTTPS with an API key.

Pure parts (identities and permissions, batch checks, rate limiting, idempotency, the OpenAPI document) are
separate from the thin aiohttp adapter (app.py) and the broker adapter (delivery.py). See docs/gateway.md.
"""
