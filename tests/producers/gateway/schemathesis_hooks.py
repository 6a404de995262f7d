"""Schemathesis hooks of the gateway's run (SCHEMATHESIS_HOOKS): EDI bodies are text, sent as they are."""

from __future__ import annotations

import schemathesis

for media_type in ("application/EDIFACT", "application/EDI-X12"):
    schemathesis.serializer.alias(media_type, "text/plain")
