"""The root of Baystream's errors and its three branches, so a caller (the CLI) catches one base.

- `ContractError`: data that breaks the event contract (schemas/errors.py: invalid events, undecodable
  records, a file of such lines);
- `ConfigurationError`: a setting, a configuration file or an option that cannot be used (settings,
  indicator configuration, webhooks, API keys, a port in use, no broker configured);
- `BrokerError`: the broker did not do what was asked (deliveries not acknowledged, a broker that does not
  come up).

Every message is one line a user can act on; `exit_code` is what `baystream` exits with. A leaf module (no
Baystream imports), so every folder can raise these, schemas/ included.
"""

from __future__ import annotations


class BaystreamError(Exception):
    """Anything Baystream reports to its user as one line; not a bug."""

    exit_code = 1


class ContractError(BaystreamError, ValueError):
    """Events or records that break the contract (docs/schemas.md)."""


class ConfigurationError(BaystreamError, ValueError):
    """A setting, configuration file or option that cannot be used; the message names it."""

    exit_code = 2


class BrokerError(BaystreamError, RuntimeError):
    """The broker (Kafka, Tansu) failed a request or could not be reached or started."""
