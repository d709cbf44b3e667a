"""Shipping label files: what kind of file a label is (by its bytes, never by what the peer calls it) and where
label files are kept (a private directory that no URL serves; only the permission-checked admin view reads it).
"""

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import FileSystemStorage


@dataclass(frozen=True)
class LabelKind:
    name: str  # stored as the order's label_format
    content_type: str  # what the admin view answers: a type browsers never run as a page
    extension: str
    inline: bool  # shown in the browser (PDF, images) or downloaded for the label printer (ZPL)


PDF = LabelKind("PDF", "application/pdf", "pdf", True)
PNG = LabelKind("PNG", "image/png", "png", True)
JPEG = LabelKind("JPEG", "image/jpeg", "jpg", True)
ZPL = LabelKind("ZPL", "application/octet-stream", "zpl", False)
LABEL_KINDS = (PDF, PNG, JPEG, ZPL)
# Enough of a file's head to recognise every kind above.
LABEL_HEAD_BYTES = 64

_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))


def label_kind_detect(content: bytes) -> LabelKind | None:
    """The kind of a label file by its first bytes; ``None`` for anything else (HTML, text, ...)."""
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    # A ZPL job starts with ^XA, possibly after line breaks or spaces left by the printer driver.
    if content[:LABEL_HEAD_BYTES].lstrip(b" \t\r\n").startswith(b"^XA"):
        return ZPL
    return None


def label_file_kind(field_file) -> LabelKind | None:
    """The kind of a stored label file (``None`` for no file, a missing one, or one stored before kinds were
    checked)."""
    if not field_file:
        return None
    try:
        with field_file.open("rb") as handle:
            return label_kind_detect(handle.read(LABEL_HEAD_BYTES))
    except OSError:
        return None


def label_kinds_text() -> str:
    return ", ".join(kind.name for kind in LABEL_KINDS)


class LabelStorage(FileSystemStorage):
    """Label files under ``OUTBOUND_LABEL_ROOT``, outside MEDIA_ROOT: a web server or ``static()`` serving media
    never reaches them. They have no URL: a label is read through the order's admin view only."""

    @property
    def base_location(self):  # read at each use, so a changed setting (tests, a moved volume) is followed
        return settings.OUTBOUND_LABEL_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("label files have no public URL; use the order's label view in admin")


def label_storage() -> LabelStorage:
    return LabelStorage()
