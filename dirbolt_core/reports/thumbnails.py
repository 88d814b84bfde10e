"""Proof thumbnails: a screenshot cut to its first screen and shrunk, as a data: URI."""

from __future__ import annotations

import base64
import io

THUMB_WIDTH = 480
# Full-page screenshots can be very tall; the first screen (4:3) holds the directory's answer.
MAX_ASPECT = 0.75


def thumbnail_data_uri(png: bytes, *, width: int = THUMB_WIDTH, quality: int = 72) -> str:
    """A JPEG thumbnail of a screenshot; the image itself when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with the stack; without it the report embeds the original
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        w, h = image.size
        # Cut first, convert and shrink only what is kept: a report makes one per directory.
        top = image.crop((0, 0, w, min(h, int(w * MAX_ASPECT)))) if h > w * MAX_ASPECT else image
        if top.mode != "RGB":
            top = top.convert("RGB")
        if top.width > width:
            # reducing_gap: a box reduction by an integer factor first, then bilinear over what is
            # left; at thumbnail size it looks like LANCZOS over the whole image at half the CPU.
            top = top.resize((width, max(1, round(top.height * width / top.width))), Image.Resampling.BILINEAR,
                             reducing_gap=2.0)
        top.save(out, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
