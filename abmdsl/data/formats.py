"""What kind of file this is: its format, its text encoding, its CSV delimiter.

Input: the bytes of a data file and its name.
Output: a format name (``csv``, ``xlsx``, ``parquet``, ``json``, ``ndjson``), decoded text for
the text formats, and the delimiter of a CSV file. Nothing here reads rows: that is DuckDB's
work (:mod:`abmdsl.data.readers`); sniffing looks at the first few kilobytes only.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, Problem

Format = str  # 'csv' | 'xlsx' | 'parquet' | 'json' | 'ndjson'

EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_ROWS = 50


@dataclass(frozen=True)
class Text:
    """A text file decoded: the text, the encoding it was in, whether it had a byte-order mark."""

    text: str
    encoding: str
    bom: bool


def unreadable(path: Path, message: str, hint: str | None = None) -> DataError:
    return DataError([Problem(str(path), None, None, None, message, hint)])


def detect_format(path: Path, data: bytes) -> Format:
    """The format of ``data``: binary signatures first, then the extension, then the content.

    >>> detect_format(Path("a.csv"), b"PAR1...."), detect_format(Path("a.jsonl"), b"{}")
    ('parquet', 'ndjson')
    """
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"PK\x03\x04"):
        return _zipped(path, data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable(
            path, "an old Excel (.xls) workbook is not supported", "save it as .xlsx or CSV"
        )
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension in ("xlsx", "parquet"):
        raise unreadable(
            path,
            f"not a valid {by_extension.upper()} file",
            "check that the file was saved whole, in that format",
        )
    return by_extension or "text"


def _zipped(path: Path, data: bytes) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        raise unreadable(
            path,
            "not a valid XLSX file: the archive is damaged",
            "check that the file was saved whole",
        ) from None
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    raise unreadable(
        path,
        "not a recognised format: a ZIP archive that is not an XLSX workbook",
        "save the sheet as .xlsx or CSV",
    )


def text_format(text: str, by_extension: Format) -> Format:
    """JSON, NDJSON or CSV, from the extension and the first characters of the text.

    A ``.json`` file of one object a line is read as NDJSON.

    >>> text_format('{"a": 1}\\n{"a": 2}', "json"), text_format("a;b\\n1;2", "text")
    ('ndjson', 'csv')
    """
    start = text.lstrip()[:1]
    if by_extension == "json" and start == "{":
        return "ndjson"
    if by_extension != "text":
        return by_extension
    first_line = text.lstrip().split("\n", 1)[0].rstrip()
    if start == "[":
        return "json"
    if start == "{" and first_line.endswith("}"):
        return "ndjson"
    return "csv"


def decode(path: Path, data: bytes) -> Text:
    """The text of a file: UTF-8 (with or without BOM), UTF-16 (BOM), else Windows-1251/1250.

    >>> decode(Path("a.csv"), "имя".encode("cp1251")).encoding
    'cp1251'
    >>> decode(Path("a.csv"), "Łódź;Kraków".encode("cp1250")).encoding
    'cp1250'
    """
    text = _decode(path, data)
    sample = text.text[:SNIFF_CHARS]
    controls = len(re.findall("[\x00-\x08\x0b\x0e-\x1f]", sample))
    if controls > len(sample) // 20:
        raise unreadable(
            path,
            "not a recognised format: binary data, not text",
            "use CSV, XLSX, Parquet, JSON or NDJSON",
        )
    return text


def _decode(path: Path, data: bytes) -> Text:
    if data.startswith(b"\xef\xbb\xbf"):
        return Text(_strict(path, data[3:], "utf-8"), "utf-8-sig", True)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Text(_strict(path, data, "utf-16"), "utf-16", True)
    if b"\x00" in data[:4096]:
        return _utf16_without_bom(path, data)
    try:
        return Text(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        return _windows(path, data)


def _strict(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise unreadable(
            path,
            f"cannot be decoded as {encoding}: {exc.reason} at byte {exc.start}",
            "save the file as UTF-8",
        ) from None


def _utf16_without_bom(path: Path, data: bytes) -> Text:
    # Field names are ASCII, so UTF-16 text has a NUL in every other byte of its header.
    sample = data[:4096]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > len(sample) // 10 and odd >= 4 * even:
        return Text(_strict(path, data, "utf-16-le"), "utf-16-le", False)
    if even > len(sample) // 10 and even >= 4 * odd:
        return Text(_strict(path, data, "utf-16-be"), "utf-16-be", False)
    raise unreadable(
        path,
        "not a recognised format: binary data, not text",
        "use CSV, XLSX, Parquet, JSON or NDJSON",
    )


def _windows(path: Path, data: bytes) -> Text:
    # Russian Excel saves CSV in cp1251, Polish in cp1250. Polish text read as cp1251 turns
    # into words mixing Latin and Cyrillic letters; Russian text stays Cyrillic.
    decoded = {}
    for encoding in ("cp1251", "cp1250"):
        try:
            decoded[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise unreadable(
            path,
            "cannot be decoded: not UTF-8, UTF-16, Windows-1251 or -1250",
            "save the file as UTF-8",
        )
    if len(decoded) == 2 and _mixed_words(decoded["cp1251"][:SNIFF_CHARS]):
        return Text(decoded["cp1250"], "cp1250", False)
    encoding = next(iter(decoded))
    return Text(decoded[encoding], encoding, False)


def _mixed_words(text: str) -> bool:
    words = re.findall(r"[^\W\d_]{2,}", text)
    cyrillic = [w for w in words if re.search("[\u0400-\u04ff]", w)]
    mixed = [w for w in cyrillic if re.search("[a-zA-Z]", w)]
    return len(mixed) > len(cyrillic) - len(mixed)


def sniff_delimiter(text: str, prefer_tab: bool = False) -> str:
    """The CSV delimiter: the candidate that splits the header into the most fields, so long as
    the next rows split into as many (so a `;` header wins over decimal commas in values).

    >>> sniff_delimiter("id;score\\n1;3,5\\n2;4,25\\n"), sniff_delimiter("a\\tb\\n1\\t2,5\\n")
    (';', '\\t')
    """
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    order = ("\t", *DELIMITERS[:2], "|") if prefer_tab else DELIMITERS
    scores = {d: _score(sample, d) for d in order}
    best = max(order, key=lambda d: scores[d])
    return best if scores[best][0] else ("\t" if prefer_tab else ",")


def _score(sample: str, delimiter: str) -> tuple[bool, float, int]:
    rows = []
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar='"')
    try:
        for row in reader:
            if row:
                rows.append(len(row))
            if len(rows) > SNIFF_ROWS:
                break
    except csv.Error:
        return (False, 0.0, 0)
    if not rows:
        return (False, 0.0, 0)
    header, rest = rows[0], rows[1:]
    consistent = sum(n == header for n in rest) / len(rest) if rest else 1.0
    return (header > 1, consistent, header)
