"""Shipping label files: what kind of file a label is (by its bytes, never by what the peer calls it), where
label files are kept (a private directory that no URL serves; only the permission-checked admin view reads it),
and labels laid out as one PDF of label-size pages for printing (``labels_pdf_compose``).

Nothing here knows where a label came from: it takes the file's bytes.
"""

import io
import os
from dataclasses import dataclass, field

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
# ZPL has no registered media type; application/x-zpl is what label printer tools use. Always a download.
ZPL = LabelKind("ZPL", "application/x-zpl", "zpl", False)
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


def label_kind_named(name: str) -> LabelKind | None:
    """The kind stored as an order's ``label_format``."""
    return next((kind for kind in LABEL_KINDS if kind.name == name), None)


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


# --- Printing: labels as one PDF of label-size pages --------------------------------------------------------

POINTS_PER_INCH = 72


def label_page_size() -> tuple[float, float]:
    """The label page (width, height) in PDF points, from ``OUTBOUND_LABEL_WIDTH_INCHES`` and ``..._HEIGHT_...``."""
    return (settings.OUTBOUND_LABEL_WIDTH_INCHES * POINTS_PER_INCH,
            settings.OUTBOUND_LABEL_HEIGHT_INCHES * POINTS_PER_INCH)


@dataclass
class ComposedLabels:
    """What ``labels_pdf_compose`` made: the PDF (``None`` if no label could go in), the names of the labels it
    holds, the ZPL labels (for the thermal printer, never in a PDF) and the others left out, each with why."""

    pdf: bytes | None = None
    printed: list[str] = field(default_factory=list)
    zpl: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def _page_fitted(page, width: float, height: float):
    """``page`` (a pypdf page) scaled (aspect kept) and centred on a blank label-size page."""
    from pypdf import PageObject, Transformation

    box = page.cropbox
    page_width, page_height = float(box.width), float(box.height)
    scale = min(width / page_width, height / page_height)
    fitted = PageObject.create_blank_page(width=width, height=height)
    fitted.merge_transformed_page(page, Transformation()
                                  .translate(-float(box.left), -float(box.bottom))
                                  .scale(scale, scale)
                                  .translate((width - page_width * scale) / 2, (height - page_height * scale) / 2))
    return fitted


def _image_pdf(data: bytes, width: float, height: float) -> bytes:
    """An image as a one-page PDF of the label size (img2pdf: JPEG embedded as it is, PNG without loss)."""
    import img2pdf  # imported when printing only: it loads pikepdf and Pillow
    from PIL import Image

    layout = img2pdf.get_layout_fun((width, height), fit=img2pdf.FitMode.into)
    try:
        return img2pdf.convert(data, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)
    except img2pdf.AlphaChannelError:  # a transparent PNG: printed on white, as a printer would
        with Image.open(io.BytesIO(data)) as image:
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.convert("RGBA").getchannel("A"))
        out = io.BytesIO()
        flat.save(out, format="PNG")
        return img2pdf.convert(out.getvalue(), layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)


def labels_pdf_compose(labels: list[tuple[str, bytes | None]]) -> ComposedLabels:
    """PDF, PNG and JPEG labels as one PDF, each page the label size (``label_page_size``), in the given order.

    ``labels`` are (name, file bytes or ``None`` for a file that could not be read). ZPL labels are listed apart;
    a file that is no label or cannot be read is left out with the reason: never an exception for a bad file.
    """
    from pypdf import PdfReader, PdfWriter

    width, height = label_page_size()
    writer, composed = PdfWriter(), ComposedLabels()
    for name, data in labels:
        if data is None:
            composed.left_out.append(f"{name} (the file is missing)")
            continue
        kind = label_kind_detect(data)
        if kind is ZPL:
            composed.zpl.append(name)
            continue
        if kind is None:
            composed.left_out.append(f"{name} (not a label file)")
            continue
        try:
            pdf = data if kind is PDF else _image_pdf(data, width, height)
            pages = [_page_fitted(page, width, height) for page in PdfReader(io.BytesIO(pdf)).pages]
        except Exception as exc:  # damaged files raise many kinds in pypdf, img2pdf and Pillow: never a 500
            composed.left_out.append(f"{name} (unreadable {kind.name}: {type(exc).__name__})")
            continue
        if not pages:
            composed.left_out.append(f"{name} (a {kind.name} without pages)")
            continue
        for page in pages:
            writer.add_page(page)
        composed.printed.append(name)
    if composed.printed:
        out = io.BytesIO()
        writer.write(out)
        composed.pdf = out.getvalue()
    return composed
