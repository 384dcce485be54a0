"""Data files attached to a scenario written in the app: kept in its text, materialised for the engine.

A scenario may bring its own data (``sources: {ad_delivery: {file: sales.csv}}``), resolved next to the
scenario file. A scenario typed into the app's editor has no folder, so the editor keeps the files it is
given (CSV/XLSX, by the name ``sources`` uses) and:

- :func:`embed` appends them to the scenario text as a block of YAML comments (base64), so a saved
  version in the store — and an exam frozen from it — carries its files and stays a valid scenario file
  for every YAML reader; :func:`split` takes them out again;
- :func:`materialise` writes text and files into a private folder named by their digest, so
  validation (missing files are named at once), preview, self-test and exams read them as usual;
- :func:`to_zip` / :func:`from_zip` export and import a scenario as one zip (the YAML plus its files).

>>> text, files = split(embed("id: demo\\n", {"sales.csv": b"date,cost\\n"}))
>>> text, files
('id: demo\\n', {'sales.csv': b'date,cost\\n'})
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

MARK = "# ==== attached data files (kept by the app; do not edit below this line) ===="
_FILE_LINE = re.compile(r"^# @file (.+)$")
SUFFIXES = (".csv", ".xlsx")
MAX_FILE_BYTES = 20_000_000
MAX_FILES = 20
SCENARIO_FILE = "scenario.yaml"


class AttachmentError(ValueError):
    """A file or zip that cannot be attached; ``key`` is a catalog message key, ``name`` the file."""

    def __init__(self, key: str, name: str = ""):
        super().__init__(f"{key}: {name}")
        self.key, self.name = key, name


def safe_name(name: str) -> str:
    """A relative POSIX path with a CSV/XLSX suffix, or :class:`AttachmentError`.

    >>> safe_name("data\\\\sales.CSV")
    'data/sales.CSV'
    """
    path = PurePosixPath(str(name).replace("\\", "/").strip())
    if (not path.parts or path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", str(path))
            or path.suffix.lower() not in SUFFIXES):
        raise AttachmentError("instructor.attach.bad_name", str(name)[:100])
    return str(path)


def embed(text: str, files: Mapping[str, bytes]) -> str:
    """``text`` (without any earlier block) followed by ``files`` as base64 comment lines."""
    body, _ = split(text)
    if not files:
        return body
    lines = [body.rstrip("\n"), "", MARK]
    for name in sorted(files):
        lines.append(f"# @file {safe_name(name)}")
        encoded = base64.b64encode(files[name]).decode("ascii")
        lines += [f"# {encoded[i:i + 100]}" for i in range(0, len(encoded), 100)]
    return "\n".join(lines) + "\n"


def split(text: str) -> tuple[str, dict[str, bytes]]:
    """The scenario text without the attached-files block, and the files it held."""
    head, sep, block = text.partition(MARK)
    if not sep:
        return text, {}
    files: dict[str, list[str]] = {}
    current = None
    for line in block.splitlines():
        found = _FILE_LINE.match(line)
        if found:
            current = found[1].strip()
            files[current] = []
        elif current is not None and line.startswith("# "):
            files[current].append(line[2:].strip())
    out = {name: base64.b64decode("".join(parts), validate=True) for name, parts in files.items()}
    return head.rstrip("\n") + "\n", out


def _root() -> Path:
    root = Path(os.environ.get("SIMULATOR_DATA_DIR") or tempfile.gettempdir()) / "scenario-files"
    root.mkdir(parents=True, exist_ok=True)
    return root


def materialise(text: str, files: Mapping[str, bytes], root: Path | None = None) -> Path:
    """The path of ``scenario.yaml`` in a folder holding ``text`` and ``files`` (reused when unchanged)."""
    body, embedded = split(text)
    every = {**embedded, **files}
    digest = hashlib.sha256(body.encode("utf-8"))
    for name in sorted(every):
        digest.update(safe_name(name).encode("utf-8") + b"\0" + hashlib.sha256(every[name]).digest())
    folder = (root or _root()) / digest.hexdigest()[:32]
    target = folder / SCENARIO_FILE
    if target.is_file():
        return target
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".staging-"))
    for name, data in every.items():
        out = staging / safe_name(name)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    (staging / SCENARIO_FILE).write_text(body, "utf-8")
    try:
        staging.rename(folder)
    except OSError:  # another session wrote the same folder first: same content
        shutil.rmtree(staging, ignore_errors=True)
    return target


def check_file(name: str, data: bytes) -> str:
    """The safe name of an attachment, after size checks (:class:`AttachmentError` otherwise)."""
    name = safe_name(name)
    if not data:
        raise AttachmentError("instructor.attach.empty", name)
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentError("instructor.attach.too_large", name)
    return name


def to_zip(text: str, files: Mapping[str, bytes], scenario_id: str) -> bytes:
    """A zip with ``<id>.yaml`` (without the attached block) and every file beside it."""
    body, embedded = split(text)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{scenario_id}.yaml", body)
        for name, data in sorted({**embedded, **files}.items()):
            z.writestr(safe_name(name), data)
    return buffer.getvalue()


def from_zip(data: bytes) -> tuple[str, dict[str, bytes]]:
    """The scenario text and files of a zip from :func:`to_zip` (one YAML file, CSV/XLSX beside it)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise AttachmentError("instructor.attach.bad_zip") from None
    with z:
        infos = [i for i in z.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
        yamls = [i for i in infos if i.filename.lower().endswith((".yaml", ".yml"))]
        if len(yamls) != 1:
            raise AttachmentError("instructor.attach.zip_yaml")
        others = [i for i in infos if i is not yamls[0]]
        if len(others) > MAX_FILES or any(i.file_size > MAX_FILE_BYTES for i in infos):
            raise AttachmentError("instructor.attach.too_large", yamls[0].filename)
        folder = PurePosixPath(yamls[0].filename).parent
        files = {}
        for info in others:
            relative = PurePosixPath(info.filename)
            relative = relative.relative_to(folder) if folder.parts and relative.is_relative_to(folder) else relative
            files[check_file(str(relative), z.read(info))] = z.read(info)
        try:
            text = z.read(yamls[0]).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AttachmentError("instructor.attach.zip_yaml", yamls[0].filename) from None
    return split(text)[0], files
