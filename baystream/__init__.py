"""Baystream: the event-streaming backbone of the San Pedro Bay port complex.

One installed package, `baystream`; its subpackages are the repository's top-level folders (linked here),
each with one job: `schemas` (the event contract), `producers` (publishing), `streams` (the indicator
engine and workers), `consumers` (dashboard, API, tail) and `infra` (settings, metrics, brokers, CLI).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("baystream")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
