"""The simulated carrier's label in each format a real carrier may hand over: PDF, PNG (an image a carrier's API
renders) and ZPL (the text a thermal label printer takes). Each shows the carrier, tracking number and order."""

import io

from django.db import models

from .pdf import label_pdf_render

# A 4 x 6 in label at 203 dpi, the usual thermal printer resolution.
PNG_SIZE = (812, 1218)


class LabelFormat(models.TextChoices):
    """What the label answer's ``label_format`` says and what the file is."""

    PDF = "PDF", "PDF"
    PNG = "PNG", "PNG image"
    ZPL = "ZPL", "ZPL (thermal printer)"


CONTENT_TYPES = {LabelFormat.PDF: "application/pdf", LabelFormat.PNG: "image/png",
                 LabelFormat.ZPL: "application/x-zpl"}
EXTENSIONS = {LabelFormat.PDF: "pdf", LabelFormat.PNG: "png", LabelFormat.ZPL: "zpl"}


def _lines(outbound_order_no: str, tracking_no: str, carrier: str) -> list[str]:
    return ["SHIPPING LABEL (SIMULATED)", f"Carrier: {carrier}", f"Tracking no: {tracking_no}",
            f"Order: {outbound_order_no}"]


def label_png_render(*, outbound_order_no: str, tracking_no: str, carrier: str = "Simulated carrier") -> bytes:
    """A black-and-white PNG label (Pillow): the text, and bars made from the tracking number."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", PNG_SIZE, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    y = 60
    for text in _lines(outbound_order_no, tracking_no, carrier):
        draw.text((40, y), text, fill=0, font=font)
        y += 80
    x = 40
    for byte in tracking_no.encode("utf-8")[:40]:  # a barcode-like pattern, wider bars for higher codes
        width = 3 + byte % 7
        draw.rectangle((x, y + 40, x + width, y + 320), fill=0)
        x += width + 6
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _zpl_text(text: str) -> str:
    """``text`` as ZPL field data: ^ and ~ start commands, so they are left out (as ?); ASCII only."""
    return text.encode("ascii", errors="replace").decode().replace("^", "?").replace("~", "?")


def label_zpl_render(*, outbound_order_no: str, tracking_no: str, carrier: str = "Simulated carrier") -> bytes:
    """A ZPL II label job: ^XA ... ^XZ, the text and a Code 128 barcode of the tracking number."""
    fields = "".join(f"^FO40,{40 + 70 * n}^FD{_zpl_text(text)}^FS\n"
                     for n, text in enumerate(_lines(outbound_order_no, tracking_no, carrier)))
    return ("^XA\n^CF0,40\n" + fields + f"^FO40,360^BY3^BCN,200,Y,N,N^FD{_zpl_text(tracking_no)}^FS\n^XZ\n"
            ).encode("ascii")


def label_render(*, label_format: str, outbound_order_no: str, tracking_no: str) -> bytes:
    render = {LabelFormat.PDF: label_pdf_render, LabelFormat.PNG: label_png_render,
              LabelFormat.ZPL: label_zpl_render}[LabelFormat(label_format)]
    return render(outbound_order_no=outbound_order_no, tracking_no=tracking_no)
