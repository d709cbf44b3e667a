"""A minimal, valid one-page PDF (PDF 1.4, Helvetica, 4x6 inch) for the simulated shipping label.

Written by hand rather than with a library: a label needs a few lines of text, and a correct cross-reference
table is a few lines of code (the offsets are computed from the bytes written, so any text length is fine).
"""

PAGE_WIDTH_PT = 288  # 4 inch
PAGE_HEIGHT_PT = 432  # 6 inch


def _pdf_string(text: str) -> bytes:
    """A PDF literal string; non-Latin-1 characters become '?' (the standard Helvetica font has no others)."""
    raw = text.encode("latin-1", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def label_pdf_render(*, outbound_order_no: str, tracking_no: str, carrier: str = "Simulated carrier") -> bytes:
    lines = [
        (22, "SHIPPING LABEL (SIMULATED)"),
        (14, f"Carrier: {carrier}"),
        (14, f"Tracking no: {tracking_no}"),
        (14, f"Order: {outbound_order_no}"),
    ]
    content = b"BT\n"
    y = PAGE_HEIGHT_PT - 50
    for size, text in lines:
        content += b"/F1 %d Tf 1 0 0 1 20 %d Tm " % (size, y) + _pdf_string(text) + b" Tj\n"
        y -= size + 18
    content += b"ET\n"

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>" % (PAGE_WIDTH_PT, PAGE_HEIGHT_PT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)
