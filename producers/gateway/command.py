"""`baystream gateway`: serve POST /v1/events; `gateway new-key` / `gateway hash-key` make keys-file entries."""

from __future__ import annotations

import argparse
import sys

from baystream.infra.settings import Settings, option_help

HELP = "HTTP gateway: parties publish events with an API key (POST /v1/events); see docs/gateway.md"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help=option_help("address to listen on", "gateway_host"))
    parser.add_argument("--port", type=int, help=option_help("port to listen on", "gateway_port"))
    parser.add_argument("--keys", help=option_help("API keys file, .toml or .json", "gateway_keys_file"))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("serve", help="run the gateway (the default)")
    actions.add_parser("new-key", help="print a new random API key and its key_sha256 for the keys file")
    hashing = actions.add_parser("hash-key", help="print the key_sha256 of an API key read from stdin")
    hashing.add_argument("key", nargs="?", help="the key (better: pipe it on stdin, to keep it out of history)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.producers.gateway.identities import hash_key, new_key

    if args.action == "new-key":
        key = new_key()
        print(f"api key (give it to the party, store it nowhere else): {key}")
        print(f'key_sha256 = "{hash_key(key)}"')
        return 0
    if args.action == "hash-key":
        return _hash_key(args.key)
    return serve(args, settings)


def _hash_key(given: str | None) -> int:
    """Print the key_sha256 of a key (argument, else the first line of stdin), refusing weak keys."""
    from baystream.producers.file_publish import binary_stdin
    from baystream.producers.gateway.identities import hash_key
    from baystream.producers.gateway.keys import key_problem

    if given is None:
        line = binary_stdin().readline()
        try:
            given = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            print(f"baystream gateway hash-key: the key read is not UTF-8 text (byte {exc.start + 1})", file=sys.stderr)
            return 2
    key = given.strip()
    if not key:
        print("baystream gateway hash-key: no key given", file=sys.stderr)
        return 2
    problem = key_problem(key)
    if problem is not None:
        print(
            f"baystream gateway hash-key: refused, the key is {problem}; "
            "`baystream gateway new-key` makes a strong one",
            file=sys.stderr,
        )
        return 2
    print(hash_key(key))
    return 0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from baystream.infra.http.ports import PortSetting
    from baystream.infra.http.server import serve as serve_app
    from baystream.infra.kafka_config import bootstrap
    from baystream.infra.metrics import serve_metrics
    from baystream.producers.gateway.app import make_app
    from baystream.producers.gateway.identities import KeysError
    from baystream.producers.gateway.keys import DEMO_KEYS, load_keyring

    if args.keys:
        settings = settings.with_overrides(gateway_keys_file=args.keys)
    bootstrap(settings)  # a clear error before anything listens
    try:
        keyring, demo = load_keyring(settings)
    except KeysError as exc:
        print(f"baystream gateway: {exc}", file=sys.stderr)
        return 2
    host = args.host or settings.gateway.host
    port = args.port or settings.gateway.port
    if demo:
        print("gateway: no API keys configured; demo parties on the embedded broker (X-API-Key):")
        for party, (key, entry) in DEMO_KEYS.items():
            print(f"  {party:10s} {entry['role']:17s} {key}")
    elif not len(keyring):
        print("gateway: no API keys configured (BAYSTREAM_GATEWAY_KEYS_FILE): every request gets 401")
    serve_metrics("gateway", settings)

    def announce(url: str) -> None:
        print(f"gateway on {url}/v1/events (OpenAPI: {url}/v1/openapi.json)", flush=True)

    setting = PortSetting("gateway_port", "the gateway", "--port")
    asyncio.run(serve_app(make_app(settings, keyring), host, port, setting, announce))
    return 0
