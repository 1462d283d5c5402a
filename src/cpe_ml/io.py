"""Reading and writing formulation tables: every file problem becomes one line naming file, line and fix.

Tables come from spreadsheets, lab scripts and web forms, so the reader detects what such tools write
(separator ``,`` ``;`` or tab, decimal commas, a UTF-8 byte-order mark, UTF-16) and refuses what it
cannot read unambiguously (Latin-1 and other 8-bit encodings, ragged rows, duplicate headers, JSON that
is not a list of flat records, binary files) with the exact fix, instead of guessing. Writing refuses to
overwrite an input and neutralizes spreadsheet formulas in text cells (OWASP CSV injection rule).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from cpe_ml.schema import NUMERIC_COLUMNS

#: Files larger than this are not sniffed in full; the first bytes decide the dialect.
SNIFF_BYTES = 64 * 1024
#: Characters that make a spreadsheet evaluate a cell (OWASP, "CSV Injection"):
#: https://owasp.org/www-community/attacks/CSV_Injection
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


class TableReadError(ValueError):
    """A table that cannot be read as given; the message is one line: file, line, problem, fix."""


def _fail(path: Path, problem: str, line: int | None = None) -> TableReadError:
    where = f"{path}: line {line}: " if line else f"{path}: "
    return TableReadError(where + problem)


def read_formulations(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV, Parquet or JSON (list of flat records) formulation table as given (validation is separate).

    CSV cells are returned as text (blank = ""); raises :class:`TableReadError` with a one-line message.
    """
    path = Path(path)
    if path.is_dir():
        raise _fail(path, "is a directory, not a table file")
    if not path.is_file():
        raise _fail(path, "no such file")
    frame = _read(path)
    if not len(frame):
        raise _fail(path, "no data rows (a header only); add at least one row")
    frame.attrs["source"] = str(path)  # messages about its columns name the file
    return frame


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise _fail(path, "the file is empty; a table needs a header line and at least one row")
    if not head.strip():
        raise _fail(path, "the file holds only blank lines; a table needs a header line and at least one row")
    if head.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xls", ".ods"):
        raise _fail(path, "spreadsheet workbooks are not read; save the sheet as 'CSV UTF-8 (comma delimited)'")
    if suffix == ".parquet":
        return _read_parquet(path, head)
    if suffix == ".json":
        return _read_json(path)
    return _read_csv(path, head)


def _read_parquet(path: Path, head: bytes) -> pd.DataFrame:
    if not head.startswith(b"PAR1"):
        raise _fail(path, "not a Parquet file (it does not start with the Parquet magic bytes); write it with DataFrame.to_parquet or rename it to its real type")
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several unrelated types for damaged files
        raise _fail(path, f"damaged Parquet file ({type(err).__name__}: {str(err).splitlines()[0][:200]}); write it again") from err
    _check_header(path, [str(c) for c in frame.columns])
    return frame


def _read_json(path: Path) -> pd.DataFrame:
    text = _decode(path, path.read_bytes())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        hint = "; it looks like CSV: rename it to .csv" if "," in text.splitlines()[0] and not text.lstrip().startswith(("[", "{")) else ""
        raise _fail(path, f"not valid JSON at column {err.colno}: {err.msg}{hint}", err.lineno) from None
    except RecursionError:
        raise _fail(path, "JSON nested too deeply; give a list of flat records") from None
    return records_frame(data, str(path))


def records_frame(data, source: str = "input") -> pd.DataFrame:
    """A frame from JSON-like data that must be a non-empty list of flat records (str/number/null values).

    Booleans are refused: ``true`` is not a temperature (Python would read it as 1).
    """
    example = '[{"polymer": "PEO", "salt": "LiTFSI", "salt_eo_li_ratio": 16, "temperature_c": 60}]'
    if not isinstance(data, list):
        raise TableReadError(f"{source}: JSON must be a list of records like {example}, not a {type(data).__name__}")
    if not data:
        raise TableReadError(f"{source}: the JSON list is empty; give at least one record")
    for i, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise TableReadError(f"{source}: record {i} is a {type(record).__name__}, not an object; write records like {example}")
        if not record:
            raise TableReadError(f"{source}: record {i} is empty ({{}}); every record needs at least a polymer, a salt and a temperature")
        for key, value in record.items():
            if isinstance(value, bool):
                raise TableReadError(f"{source}: record {i}, key {key!r}: {str(value).lower()} is not a value; write a number or text")
            if value is not None and not isinstance(value, str | int | float):
                raise TableReadError(f"{source}: record {i}, key {key!r}: nested {type(value).__name__}; values must be text, numbers or null")
    keys = list(dict.fromkeys(k for record in data for k in record))
    _check_header(Path(source), keys)
    return pd.DataFrame.from_records(data, columns=keys)


def _decode(path: Path, data: bytes) -> str:
    """Text of ``data``: UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise _fail(path, f"damaged UTF-16 text ({err.reason}); save it again as 'CSV UTF-8'") from None
    if len(data) > 8 and data[1:200:2].count(0) > 0.9 * len(data[1:200:2]):
        raise _fail(path, "UTF-16 without a byte-order mark; save it as 'CSV UTF-8' (or UTF-16 with BOM)")
    if b"\x00" in data[:SNIFF_BYTES]:
        raise _fail(path, "binary file (it holds NUL bytes), not a text table; give a CSV, JSON or Parquet file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start: err.start + 1].hex()
        raise _fail(path, f"not UTF-8 (byte 0x{byte}); probably Latin-1/Windows-1252: convert it with "
                          f"`iconv -f latin1 -t utf-8 '{path}' > fixed.csv` or save it as 'CSV UTF-8'", line) from None


def _separator(path: Path, header: str) -> str:
    counts = {sep: next(csv.reader([header], delimiter=sep), []).__len__() for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    if counts[best] <= 1 and "," not in header:
        return ","  # a one-column table
    return best


def _read_csv(path: Path, head: bytes) -> pd.DataFrame:
    text_head = head.decode("utf-8", errors="ignore") if not head.startswith((b"\xff\xfe", b"\xfe\xff")) else ""
    simple = (text_head and not head.startswith(b"\xef\xbb\xbf") and b"\x00" not in head
              and _separator(path, text_head.lstrip("\ufeff").splitlines()[0]) == ",")
    if simple:
        try:  # the multi-threaded Arrow parser reads a million rows ~3x faster than the C one
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="pyarrow")
        except Exception:  # ragged rows, bad bytes ...: the careful reader below names the line
            frame = None
        if frame is not None:
            header = next(csv.reader([text_head.splitlines()[0]]))
            _check_header(path, header)
            return frame
    return _read_csv_careful(path)


def _read_csv_careful(path: Path) -> pd.DataFrame:
    text = _decode(path, path.read_bytes())
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise _fail(path, "the file holds only blank lines; a table needs a header line and at least one row")
    sep = _separator(path, lines[first])
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header: list[str] | None = None
    rows: list[list[str]] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = record
                _check_header(path, header, reader.line_num)
                continue
            if len(record) != len(header):
                hint = (" (decimal commas? quote such cells or use ';' as separator with decimal commas)"
                        if sep == "," and any(_DECIMAL_COMMA.match(f"{a},{b}") for a, b in zip(record, record[1:])) else "")
                raise _fail(path, f"{len(record)} fields but the header has {len(header)}{hint}; every row needs one cell per column", reader.line_num)
            rows.append(record)
    except csv.Error as err:
        raise _fail(path, f"unreadable CSV ({err})", reader.line_num) from None
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    if sep != ",":
        for column in frame.columns:
            if column in NUMERIC_COLUMNS:  # '3,5' with ';' separators is the number 3.5 (European spreadsheets)
                values = frame[column].astype(str)
                comma = values.str.match(_DECIMAL_COMMA)
                frame.loc[comma, column] = values[comma].str.replace(",", ".", regex=False).str.strip()
    return frame


def _check_header(path: Path, header: list[str], line: int | None = 1) -> None:
    """Blank and duplicate column names are errors (pandas would rename the second ``temperature_c.1``)."""
    seen: dict[str, str] = {}
    for i, name in enumerate(header, start=1):
        if not str(name).strip():
            raise _fail(path, f"column {i} has no name; give every column a header", line)
        key = str(name).strip().lower()
        if key in seen:
            same = "twice" if seen[key] == name else f"twice ({seen[key]!r} and {name!r} differ only in case/spaces)"
            raise _fail(path, f"column {name!r} appears {same}; keep one", line)
        seen[key] = name


# --------------------------------------------------------------------------------------------- writing

def neutralize_formulas(values: pd.Series) -> pd.Series:
    """Text cells that a spreadsheet would run as a formula get a leading ``'`` (OWASP CSV injection rule).

    Plain numbers (``-5``, ``+1e-3``) stay as they are: they are data, not formulas.
    """
    text = values.astype("string")
    risky = text.str.startswith(FORMULA_START).fillna(False)
    if not risky.any():
        return values
    risky[risky] = ~text[risky].str.fullmatch(_PLAIN_NUMBER).fillna(False)
    if not risky.any():
        return values
    return values.astype(object).where(~risky.to_numpy(), "'" + text[risky].astype(object))


def safe_for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text column passed through :func:`neutralize_formulas`."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    return frame.assign(**{c: neutralize_formulas(frame[c]) for c in text}) if text else frame


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a small table (reports, skipped rows) as CSV with formulas neutralized."""
    safe_for_spreadsheets(frame).to_csv(path, index=False)


def check_output_path(output: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Refuse an output that is an input, a directory or inside a missing folder (one-line message)."""
    output = Path(output)
    if output.is_dir():
        raise TableReadError(f"{output}: is a directory; give a file name, e.g. -o {output / 'predictions.csv'}")
    for source in map(Path, inputs):
        if source.resolve() == output.resolve() or (source.exists() and output.exists() and os.path.samefile(source, output)):
            raise TableReadError(f"{output}: is the input file; refusing to overwrite it: choose another -o")
    if not output.parent.is_dir():
        raise TableReadError(f"{output}: folder {output.parent} does not exist; create it (mkdir -p {output.parent}) or choose another -o")
    return output


__all__ = [
    "TableReadError",
    "check_output_path",
    "neutralize_formulas",
    "read_formulations",
    "records_frame",
    "safe_for_spreadsheets",
    "write_table",
]
