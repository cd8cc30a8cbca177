"""Typed dataclass configs filled from an optional YAML file, then `key=value` overrides.

Every stage's settings are a dataclass (`museumvqa.settings`) whose fields carry their help text
(`setting`); unknown keys and wrongly typed values are the user's mistake and are reported with the
key and the file (or override) they came from, before any heavy library loads.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from museumvqa.errors import UserError

T = TypeVar("T")
_MISSING = object()


def setting(default: Any = dataclasses.MISSING, help: str = "", factory: Any = dataclasses.MISSING) -> Any:
    """A dataclass field with its help text, so YAML docs and `--help` come from one place."""
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata={"help": help})
    return dataclasses.field(default=default, metadata={"help": help})


def field_help(cls: type, name: str) -> str:
    """The help text of the setting `name` (dotted for nested settings) of `cls`."""
    *parents, leaf = name.split(".")
    for part in parents:
        cls = typing.get_type_hints(cls)[part]
    return next(f.metadata.get("help", "") for f in dataclasses.fields(cls) if f.name == leaf)


def load_config(
    cls: type[T],
    path: str | Path | None = None,
    overrides: typing.Sequence[str] = (),
    options: typing.Mapping[str, Any] | None = None,
) -> T:
    """`cls` built from its defaults, the YAML mapping at `path`, typed `options`, then each `key=value` override.

    A field that is itself a dataclass takes a nested mapping in YAML and dotted keys in overrides
    (`train.epochs=3`); the rest of its settings keep their defaults (those of the enclosing
    settings, so a demo's shard size survives a `shards.workers=2`). `options` are a command's own
    flags (dotted keys, None = not given): they beat the file, and `--set` beats them.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    raw: dict[str, Any] = dict(_read_yaml(Path(path))) if path is not None else {}
    for key, value in (options or {}).items():
        if value is not None:
            _place(cls, raw, key, value, f"option {key}", from_text=False)
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"override {item!r}: expected key=value")
        _place(cls, raw, key, text, f"override {item!r}", from_text=True)
    return _build(cls, raw, str(path) if path is not None else "config")


def _place(cls: type, raw: dict[str, Any], key: str, value: Any, where: str, from_text: bool) -> None:
    """Put `value` at the dotted `key` of `raw`, checked and typed; `--set` text is read as YAML first."""
    *parents, leaf = key.split(".")
    owner, target = cls, raw
    for part in parents:
        _check_key(part, _names(owner), where)
        owner = typing.get_type_hints(owner)[part]
        if not dataclasses.is_dataclass(owner):
            raise UserError(f"{where}: {part!r} has no sub-settings")
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    _check_key(leaf, _names(owner), where)
    hint = typing.get_type_hints(owner)[leaf]
    target[leaf] = _coerce(_parse_override(value, hint) if from_text else value, hint, where)


def _names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def _build(cls: type[T], values: dict[str, Any], where: str, base: Any = None) -> T:
    """`base` (or `cls()`'s values) with `values` replaced, each checked against its field's type, nested too."""
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        _check_key(key, _names(cls), where)
        hint = hints[key]
        if dataclasses.is_dataclass(hint) and isinstance(value, dict):
            inner = getattr(base, key) if base is not None else field_default(cls, key)
            kwargs[key] = _build(hint, value, f"{where}: {key}", inner)
        else:
            kwargs[key] = _coerce(value, hint, f"{where}: {key}")
    return dataclasses.replace(base, **kwargs) if base is not None else cls(**kwargs)


def field_default(cls: type, name: str) -> Any:
    """The default value of field `name` of `cls` (a fresh one for a factory), or None without one."""
    spec = next(f for f in dataclasses.fields(cls) if f.name == name)
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None if spec.default is dataclasses.MISSING else spec.default


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    return data


def _check_key(key: object, names: list[str], where: str) -> None:
    if key not in names:
        raise UserError(f"{where}: unknown key {key!r} (known: {', '.join(names)})")


def _parse_override(text: str, hint: Any) -> Any:
    """YAML scalars (`3` is an int, `null` is None), except that a string setting keeps its text."""
    value = yaml.safe_load(text) if text.strip() else ""
    return text if value is not None and _takes_text(hint) else value


def _takes_text(hint: Any) -> bool:
    """Whether `hint` accepts a string (`str`, `Path`, or a Literal of strings such as "yes")."""
    for alternative in _alternatives(hint):
        if alternative in (str, Path):
            return True
        if typing.get_origin(alternative) is Literal and any(isinstance(a, str) for a in typing.get_args(alternative)):
            return True
    return False


def _alternatives(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """`value` as type `hint`, or UserError; ints widen to floats, strings to paths."""
    for alternative in _alternatives(hint):
        result = _as(value, alternative)
        if result is not _MISSING:
            return result
    raise UserError(f"{where}: expected {_describe(hint)}, got {value!r}")


def _as(value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if hint is type(None):
        return None if value is None else _MISSING
    if origin is Literal:
        return value if value in typing.get_args(hint) else _MISSING
    if origin in (list, tuple) and isinstance(value, list):
        (item,) = typing.get_args(hint)[:1] or (Any,)
        items = [_as(v, item) for v in value]
        return _MISSING if _MISSING in items else origin(items)
    if hint is bool:
        return value if isinstance(value, bool) else _MISSING
    if hint is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else _MISSING
    if hint is float:
        return _as_float(value)
    if hint is str:
        return value if isinstance(value, str) else _MISSING
    if hint is Path:
        return Path(value) if isinstance(value, (str, Path)) else _MISSING
    return _MISSING


def _as_float(value: Any) -> Any:
    """Floats and ints; also strings like `5e-4`, which YAML 1.1 reads as text, not as a number."""
    if isinstance(value, bool):
        return _MISSING
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return _MISSING
    return _MISSING


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if typing.get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(hint))
    return "null" if hint is type(None) else getattr(hint, "__name__", str(hint))
