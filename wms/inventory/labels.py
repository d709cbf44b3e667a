"""Bin labels: one PDF sheet (A4, 3 x 8 labels a page) with each location's barcode as Code 128 and its code in
words under it, drawn with reportlab (its Code 128 is the standard one every scanner reads)."""

import io
from collections.abc import Iterable

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

COLUMNS, ROWS = 3, 8
MARGIN_X, MARGIN_Y = 7 * mm, 13 * mm
LABEL_W, LABEL_H = (A4[0] - 2 * MARGIN_X) / COLUMNS, (A4[1] - 2 * MARGIN_Y) / ROWS


def location_labels_pdf(locations: Iterable) -> bytes:
    """A PDF of one label per location (``barcode``, ``code``, ``zone``, kind), in the order given."""
    locations = list(locations)
    if not locations:
        raise ValueError("no location to print")
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    sheet.setTitle("Bin labels")
    sheet.setAuthor("WMS")
    per_page = COLUMNS * ROWS
    for index, location in enumerate(locations):
        if index and index % per_page == 0:
            sheet.showPage()
        slot = index % per_page
        x = MARGIN_X + (slot % COLUMNS) * LABEL_W
        y = A4[1] - MARGIN_Y - (slot // COLUMNS + 1) * LABEL_H
        _label(sheet, location, x, y)
    sheet.save()
    return buffer.getvalue()


def _label(sheet: canvas.Canvas, location, x: float, y: float) -> None:
    sheet.setLineWidth(0.3)
    sheet.setStrokeGray(0.7)
    sheet.rect(x + 1 * mm, y + 1 * mm, LABEL_W - 2 * mm, LABEL_H - 2 * mm)
    inner = LABEL_W - 8 * mm
    bar_width = 0.33 * mm
    barcode = code128.Code128(location.barcode, barHeight=14 * mm, barWidth=bar_width, humanReadable=False)
    while barcode.width > inner and bar_width > 0.15 * mm:  # a long code gets narrower bars, never cut off
        bar_width *= 0.9
        barcode = code128.Code128(location.barcode, barHeight=14 * mm, barWidth=bar_width, humanReadable=False)
    barcode.drawOn(sheet, x + (LABEL_W - barcode.width) / 2, y + LABEL_H - 19 * mm)
    sheet.setFillGray(0)
    sheet.setFont("Helvetica-Bold", 13)
    sheet.drawCentredString(x + LABEL_W / 2, y + 8 * mm, location.code[:24])
    sheet.setFont("Helvetica", 7)
    detail = " · ".join(part for part in (location.get_kind_display(), location.zone and f"zone {location.zone}",
                                          location.barcode != location.code and location.barcode) if part)
    sheet.drawCentredString(x + LABEL_W / 2, y + 4 * mm, detail[:48])
