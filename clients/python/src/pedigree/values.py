"""Typed metadata values and the JSON they travel as.

A typed value is an object of exactly `{"$type": T, "value": V}`; the API validates it and
keeps its type, and reads give it back as the same class. Each class is a subclass of the
plain Python type it holds, so `StorageSize(2_400_000) + 1`, `Uri(...).startswith("s3:")`
and `DateTime(...).year` work as they would on the plain value.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Mapping

#: The largest integer a JavaScript number holds exactly; a StorageSize past it travels as digits.
MAX_SAFE_INTEGER = 2**53 - 1

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class StorageSize(int):
    """A size in bytes: a non-negative integer, exact past 2^53."""

    type_name = "StorageSize"

    def __new__(cls, value: int | str) -> StorageSize:
        size = super().__new__(cls, value)
        if size < 0:
            raise ValueError(f"StorageSize must be >= 0, got {value!r}")
        return size

    def to_json(self) -> dict[str, Any]:
        number = int(self)
        return {"$type": self.type_name, "value": number if number <= MAX_SAFE_INTEGER else str(number)}

    def __repr__(self) -> str:
        return f"StorageSize({int(self)})"

    # int has no __str__ of its own, so without this str() would be the repr
    __str__ = int.__repr__


class _TypedText(str):
    type_name = ""

    def to_json(self) -> dict[str, Any]:
        return {"$type": self.type_name, "value": str(self)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class Uri(_TypedText):
    """An RFC 3986 URI with a scheme: s3://bucket/key, https://host/file, datum://<id>."""

    type_name = "Uri"

    def __new__(cls, value: str) -> Uri:
        if not _SCHEME.match(value):
            raise ValueError(f"Uri needs a scheme (s3://bucket/key), got {value!r}")
        return super().__new__(cls, value)


class DType(_TypedText):
    """A data type name as NumPy, pandas and Arrow spell it: int64, float32, string, datetime64[ns]."""

    type_name = "DType"

    def __new__(cls, value: str) -> DType:
        if not value:
            raise ValueError("DType must not be empty")
        return super().__new__(cls, value)


class Path(_TypedText):
    """A normalised POSIX path without NUL or '..' segments: subdir/sub2/file.txt."""

    type_name = "Path"

    def __new__(cls, value: str) -> Path:
        if not value or "\0" in value:
            raise ValueError(f"Path must be a non-empty string without NUL, got {value!r}")
        return super().__new__(cls, value)


class DateTime(_dt.datetime):
    """A point in time with a time zone; the API keeps it to the millisecond."""

    type_name = "DateTime"

    @classmethod
    def of(cls, value: _dt.datetime | str) -> DateTime:
        """From an aware datetime or an ISO 8601 text with a zone (`2024-05-01T12:00:00Z`)."""
        if isinstance(value, str):
            value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"DateTime needs a time zone (datetime.now(timezone.utc)), got {value!r}")
        return cls(
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, tzinfo=value.tzinfo
        )

    def to_json(self) -> dict[str, Any]:
        if self.tzinfo is None:
            raise ValueError(f"DateTime needs a time zone, got {self!r}")
        return {"$type": self.type_name, "value": self.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")}

    def __repr__(self) -> str:
        return f"DateTime.of({self.isoformat()!r})"


TypedValue = StorageSize | Uri | DType | Path | DateTime

_TYPED = (StorageSize, Uri, DType, Path, DateTime)


def encode(value: Any, where: str = "metadata") -> Any:
    """A metadata value as the API takes it: typed values as {"$type", "value"}, an aware
    datetime as a DateTime, NumPy scalars as Python numbers, tuples as lists; dicts and
    lists recursively. Anything else that JSON cannot hold is refused, naming its key."""
    if isinstance(value, _TYPED):
        return value.to_json()
    if isinstance(value, _dt.datetime):
        return DateTime.of(value).to_json()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: JSON has no {value}; log a finite number or None")
        return value
    if isinstance(value, Mapping):
        return {str(k): encode(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v, f"{where}.{i}") for i, v in enumerate(value)]
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return encode(item(), where)
    raise TypeError(f"{where}: cannot log a value of type {type(value).__name__}; use numbers, strings, booleans, lists, dicts or a typed value")


def decode(type_name: str, value: Any) -> Any:
    """A value read back (MetadataEntry.type and .value) as the class it was logged as."""
    if value is None:
        return None
    if type_name == "STORAGE_SIZE":
        return StorageSize(int(value))
    if type_name == "URI":
        return Uri(value)
    if type_name == "DTYPE":
        return DType(value)
    if type_name == "PATH":
        return Path(value)
    if type_name == "DATETIME":
        return DateTime.of(value)
    return value


def metadata_name(group: str | None, key: str) -> str:
    """A value's address as the API writes it: `group.key`, `key` when ungrouped; a dot or
    backslash inside a part is escaped with a backslash (`lr\\.decay`)."""

    def escape(part: str) -> str:
        return part.replace("\\", "\\\\").replace(".", "\\.")

    return escape(key) if group is None else f"{escape(group)}.{escape(key)}"


RESERVED_PREFIX = "valohai."


def flatten(metadata: Mapping[str, Any], step: str | None = None) -> dict[str, Any]:
    """The values an encoded metadata object writes, by name, as the API splits it: a nested
    object that is not a typed value is a group; `step` prefixes keys (`train::loss`) as
    for a step logging onto its pipeline run. Reserved valohai.* keys write no value."""
    prefix = f"{step}::" if step else ""
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        if key.startswith(RESERVED_PREFIX):
            continue
        if isinstance(value, Mapping) and value and "$type" not in value:
            for inner, inner_value in value.items():
                out[metadata_name(key, prefix + inner)] = inner_value
        else:
            out[metadata_name(None, prefix + key)] = value
    return out


def same_value(entry_type: str, entry_value: Any, sent: Any) -> bool:
    """Whether a stored entry (type, canonical value) holds what `sent` (encoded) asked for."""
    if isinstance(sent, Mapping) and set(sent) == {"$type", "value"}:
        kind = {"StorageSize": "STORAGE_SIZE", "Uri": "URI", "DType": "DTYPE", "Path": "PATH", "DateTime": "DATETIME"}.get(str(sent["$type"]))
        if kind != entry_type:
            return False
        if kind == "STORAGE_SIZE":
            return int(entry_value) == int(sent["value"])
        if kind == "DATETIME":
            return DateTime.of(entry_value) == DateTime.of(sent["value"])
        return bool(entry_value == sent["value"])
    expected = {type(None): "NULL", bool: "BOOLEAN", str: "STRING", int: "NUMBER", float: "NUMBER"}.get(type(sent), "JSON")
    return entry_type == expected and bool(entry_value == sent)
