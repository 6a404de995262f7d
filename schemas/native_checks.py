"""The converters and validators of the schema catalog compiled with mypyc (`make compiled`, infra/compiled.py).

`native_module` writes, for every type of the catalog, the quick JSON converter (`json_converters`) and
both validators (`validation.validate`, and `validate_decoded`, which the worker runs on every record) as
typed functions of one module, `baystream.schemas._checks`, from the same source the exec'd ones are made
of: one statement of every rule. Constants are the module's (`Final`, literals where they have one; the
domain checks are `validation._DOMAIN_CHECKS`' functions, imported), as is the state they keep: the
remembered valid values (`validation._remember`, copied here as it is) of each field of each type, shared
by its converter and validators.

The build is named by a digest of the generators, the rules they use and the schema files
(`COMPILED.sources`), so an edited rule or schema runs exec'd until the next `make`; `native_function`
gives a fresh build's function of a type, None otherwise (the caller `exec`s its own), and
`BAYSTREAM_CHECKS_COMPILED=0` turns the build off.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from baystream.infra.compiled import Group, literal
from baystream.schemas import identifiers as ids
from baystream.schemas.catalog import AVRO_DIR, catalog
from baystream.schemas.fields import NO_DEFAULT, fields_of

NATIVE_MODULE = "_checks"
"""The generated module, in the build only (never in the repository): `baystream.schemas._checks`."""

TABLES = {"CONVERTERS": "convert", "VALIDATORS": "validate", "DECODED_VALIDATORS": "validate_decoded"}
"""The module's tables of functions by `type_key`, and the names of their functions (`<name>_<index>`)."""

_HEADER = '''"""The converters and validators of the schema catalog for mypyc (from baystream.schemas.native_checks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

from orjson import JSONDecodeError, loads

from baystream.schemas.errors import FieldError  # type: ignore
from baystream.schemas.timerange import TIME_MAX, TIME_MIN  # type: ignore
from baystream.schemas.validation import _DOMAIN_CHECKS  # type: ignore

fromisoformat: Final = datetime.fromisoformat
utc: Final = UTC
time_min: Final = TIME_MIN
time_max: Final = TIME_MAX
'''


COPIED_CHECKS = (
    ids.iso6346_check_digit,
    ids.iso6346_digit_of,
    ids.container_number_problem,
    ids.imo_check_digit,
    ids.imo_problem,
    ids.unlocode_problem,
    ids.scac_problem,
    ids.chassis_problem,
    ids.uuid_problem,
    ids.facility_problem,
    ids.identifier_problem,
    ids.text_problem,
)
"""The domain checks of schemas/identifiers.py compiled into the module as well, copied as they are but for
their decorators (`_copied`; the patterns, tables and the owner's cached share imported), and called by name
(`_direct_calls`): a call from one compiled function to another is a C call. A container's check digit is
worked out for most events of a file, and compiled it costs less than the cache's bookkeeping did (a year
holds more containers than the cache, so most lookups missed: 0.57 µs a container compiled, 1.1 µs cached in
Python). The others are mostly a regular expression's match; an event of a gate move has four (its id, the
visit's, the truck's and the appointment's), and called from Python each cost a frame besides the match."""


def _identifier_imports() -> str:
    """The import of what the copied checks use from schemas/identifiers.py (patterns, tables, limits)."""
    copied = {check.__name__ for check in COPIED_CHECKS}
    codes = [inspect.unwrap(check).__code__ for check in COPIED_CHECKS]
    used = {name for code in codes for name in code.co_names if hasattr(ids, name)}
    names = ", ".join(sorted(used - copied))
    return f"from baystream.schemas.identifiers import {names}  # type: ignore\n"


def _direct_calls(source: str, aliases: dict[str, str]) -> str:
    """`source` with each call of a constant bound to a copied check (`domain_3_6(v)`) made by the check's name."""
    for alias, name in aliases.items():
        source = re.sub(rf"\b{alias}\(", f"{name}(", source)
    return source


def _copied(function: Callable[..., Any]) -> str:
    """A function's source without its decorators (a cache, here)."""
    lines = inspect.getsource(function).splitlines(keepends=True)
    return "".join(itertools.dropwhile(lambda line: line.startswith("@"), lines))


def type_key(type_name: str) -> str:
    """Names a type by its fields as the rules see them, so a function is taken only for the fields it was
    made for (the digest covers the files; this covers a catalog changed in a running process)."""
    shown = [
        (i.name, i.kind, i.nullable, None if i.default is NO_DEFAULT else repr(i.default), i.symbols, i.stand_in)
        for i in fields_of(type_name)
    ]
    return f"{type_name}:" + hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


def native_module() -> str:
    """The source of the module: per type of the catalog (index `t`) `convert_<t>` when it has a quick path,
    `validate_<t>` and `validate_decoded_<t>`, and the `TABLES` of them by `type_key`."""
    from baystream.schemas import json_converters, validation

    constants: dict[str, str] = {}
    aliases: dict[str, str] = {}

    def bind(name: str, value: Any, source: str | None) -> None:
        text = literal(value) if source is None else source
        if callable(value) and value in COPIED_CHECKS:
            text = aliases[name] = value.__name__
        text = ("Final[set[Any]] = " if type(value) is set else "Final = ") + text  # state: an empty set
        if constants.setdefault(name, text) != text:
            raise ValueError(f"{name} bound to {constants[name]} and {text}")

    functions: list[str] = []
    tables: dict[str, list[str]] = {table: [] for table in TABLES}
    for t, type_name in enumerate(catalog().current):
        key = type_key(type_name)
        sources = {
            "CONVERTERS": json_converters.converter_source(type_name, bind, f"convert_{t}", f"{t}_"),
            "VALIDATORS": validation.validator_source(type_name, bind, False, f"validate_{t}", f"{t}_"),
            "DECODED_VALIDATORS": validation.validator_source(type_name, bind, True, f"validate_decoded_{t}", f"{t}_"),
        }
        for table, source in sources.items():
            if source is not None:
                functions.append(_direct_calls(source, aliases))
                tables[table].append(f"    {key!r}: {TABLES[table]}_{t},")
    shared = [
        f"max_time: Final = {json_converters.SHARED['max_time']!r}",
        f"_REMEMBER: Final = {validation._REMEMBER!r}",
    ]
    shared += [f"{name}: {text}" for name, text in constants.items()]
    return "\n".join(
        [
            _HEADER,
            _identifier_imports(),
            *(_copied(helper) + "\n" for helper in (validation._remember, *COPIED_CHECKS)),
            inspect.getsource(json_converters.quick_parse),
            *shared,  # after the helpers: a domain check may be one
            "",
            "",
            *functions,
            *(
                line
                for table, entries in tables.items()
                for line in (f"{table}: Final[dict[str, Callable[..., Any]]] = {{", *entries, "}", "")
            ),
        ]
    )


def _sources() -> list[Path]:
    """What the generated module depends on: the generators, the rules and helpers they use, every schema."""
    here = Path(__file__).parent
    names = ["native_checks", "json_converters", "validation", "identifiers", "timerange", "fields", "catalog"]
    return [*(here / f"{name}.py" for name in names), Path(inspect.getfile(literal)), *sorted(AVRO_DIR.rglob("*.avsc"))]


def _write_native_module(folder: Path) -> None:
    path = folder.joinpath(*COMPILED.package.split("."), f"{NATIVE_MODULE}.py")
    path.write_text(native_module())


COMPILED = Group("checks", __package__ or "baystream.schemas", (NATIVE_MODULE,), _sources, _write_native_module)
"""The converters' and validators' build (`BAYSTREAM_CHECKS_COMPILED=0` turns it off); used only while it
matches the sources."""


@functools.cache
def native_build() -> Any:
    """The compiled module of a fresh build, or None (no build, a stale one, switched off): then Python."""
    return COMPILED.load(NATIVE_MODULE)


def native_function(table: str, type_name: str) -> Callable[..., Any] | None:
    """The compiled function of a type from one of the `TABLES`, or None (no build, or none for this type)."""
    built = native_build()
    if built is None:
        return None
    function: Callable[..., Any] | None = getattr(built, table).get(type_key(type_name))
    return function
