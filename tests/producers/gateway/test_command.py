"""`baystream gateway new-key` / `hash-key`, and a clear refusal of a bad keys file before listening."""

from __future__ import annotations

import hashlib
import io
import re
import socket
from pathlib import Path

import pytest

from baystream.infra.broker import free_port
from baystream.infra.cli import main
from baystream.producers.gateway.identities import hash_key


def test_new_key_prints_a_key_and_its_hash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gateway", "new-key"]) == 0
    out = capsys.readouterr().out
    key = re.search(r"api key .*: (\S+)", out)
    digest = re.search(r'key_sha256 = "([0-9a-f]{64})"', out)
    assert key and digest
    assert hash_key(key.group(1)) == digest.group(1)


def test_hash_key_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    key = "bsk_0Kq7-x2YbTnW9fLr4ZcVh3uJ8sPdEa1G6oMiR5tQyXw"
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    assert main(["gateway", "hash-key"]) == 0
    assert capsys.readouterr().out.strip() == hashlib.sha256(key.encode()).hexdigest()


def test_a_bad_keys_file_stops_the_gateway_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[abcd]\nrole = "trucker"\nscac = "ABCD"\n')
    monkeypatch.setenv("BAYSTREAM_BOOTSTRAP", "127.0.0.1:9")
    assert main(["gateway", "--keys", str(keys)]) == 2
    err = capsys.readouterr().err
    assert "keys.toml" in err and "'abcd'" in err and "key_sha256" in err


@pytest.mark.parametrize("which", ["http", "metrics"])
def test_a_port_in_use_is_one_line_naming_the_setting(
    which: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for name, value in {"BOOTSTRAP": "127.0.0.1:1", "EMBEDDED": "1", "METRICS_PORT": "0"}.items():
            monkeypatch.setenv(f"BAYSTREAM_{name}", value)
        if which == "metrics":
            monkeypatch.setenv("BAYSTREAM_METRICS_PORT", str(port))
        args = ["gateway", "--port", str(port if which == "http" else free_port())]
        assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is in use" in err, err
    expected = (
        "--port or BAYSTREAM_GATEWAY_PORT (setting gateway_port)" if which == "http" else "BAYSTREAM_METRICS_PORT"
    )
    assert expected in err
