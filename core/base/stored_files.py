"""Evidence files kept beside the database (a training certificate's scan, say).

A file is checked before it is kept: at most MAX_BYTES (counted before anything reads it), a
PDF, PNG or JPEG by its first bytes (the name's extension must agree), and an image's size read
from its header only, so a small file that would decode to gigapixels is refused without being
decoded. It is kept under the files folder (setting files_dir, default data/files) under a
random name, 0600 in a 0700 folder, and `backup` copies the folder with the database.

Nothing here decodes a PDF: the office opens it in its own reader after downloading it.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from core.base.errors import Invalid
from core.base.text import clean

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000 x 6000: 48 M; a scan at 600 dpi A4 is 35 M
KINDS = {"pdf": ("application/pdf", (".pdf",)), "png": ("image/png", (".png",)),
         "jpeg": ("image/jpeg", (".jpg", ".jpeg"))}
EXTENSIONS = sorted({ext.lstrip(".") for _, exts in KINDS.values() for ext in exts})


@dataclass(frozen=True)
class StoredFile:
    stored_as: str  # the random name under the files folder
    original_name: str
    kind: str  # pdf | png | jpeg
    size: int
    sha256: str


def mime_of(kind: str) -> str:
    return KINDS[kind][0]


def _kind_of(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


def check_evidence(content: bytes, file_name: str, field: str = "file") -> str:
    """The file's kind (pdf, png, jpeg), else Invalid(field) saying what is wrong with it."""
    if not content:
        raise Invalid(field, "error.file.empty")
    if len(content) > MAX_BYTES:
        raise Invalid(field, "error.file.too_big", mb=MAX_BYTES // (1024 * 1024))
    kind = _kind_of(content)
    if kind is None or not file_name.lower().endswith(KINDS[kind][1]):
        raise Invalid(field, "error.file.kind", kinds="PDF、PNG、JPG")
    if kind == "pdf":
        if b"%%EOF" not in content[-1024:]:  # cut short in the upload, or not a PDF at all
            raise Invalid(field, "error.file.damaged")
        return kind
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:  # reads the header: width and height, no pixels
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise Invalid(field, "error.file.too_many_pixels", megapixels=MAX_PIXELS // 1_000_000)
                image.verify()  # the file's structure, still without decoding the pixels
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - any failure to read the header is a damaged file
        raise Invalid(field, "error.file.damaged") from None
    return kind


def store(folder: Path, content: bytes, file_name: str, kind: str) -> StoredFile:
    """Write a checked file under a random name, 0600, in `folder` (made 0700 if missing)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}{KINDS[kind][1][0]}"
    path = folder / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    original = clean(Path(file_name.replace("\\", "/")).name)[:100] or name
    return StoredFile(name, original, kind, len(content), hashlib.sha256(content).hexdigest())


def read(folder: Path, stored_as: str, expected_sha256: str) -> bytes | None:
    """A stored file's bytes; None when it is missing or no longer what was stored."""
    if Path(stored_as).name != stored_as:  # a stored name is ours: never a path
        return None
    path = folder / stored_as
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        content = path.read_bytes()
    except OSError:
        return None
    return content if hashlib.sha256(content).hexdigest() == expected_sha256 else None


def remove(folder: Path, stored_as: str) -> None:
    """Take back a file whose record was not saved."""
    if Path(stored_as).name == stored_as:
        (folder / stored_as).unlink(missing_ok=True)
