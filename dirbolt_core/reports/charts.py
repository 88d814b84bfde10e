"""Small PNG line charts for the Dagster UI, drawn with Pillow (no plotting library needed).

Returns None when Pillow is missing; callers then show tables only.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence

COLORS = ["#1c5fd1", "#d1381c", "#1f9d55", "#b7791f", "#6b46c1", "#0f766e", "#be185d", "#4b5563"]


def line_chart_png(series: Mapping[str, Sequence[float | None]], labels: Sequence[str], *, title: str,
                   y_max: float | None = None, y_format: str = "{:.0f}", size: tuple[int, int] = (760, 280)
                   ) -> bytes | None:
    """One line per series over shared x labels (first, middle and last are printed)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return None
    width, height = size
    left, right, top, bottom = 56, 150, 30, 34
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    values = [v for vs in series.values() for v in vs if v is not None and not math.isnan(v)]
    top_value = y_max if y_max is not None else max([*values, 1.0])
    top_value = top_value or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    draw.text((left, 8), title, fill="#1d2330", font=font)
    for i in range(5):  # grid and y labels
        y = top + plot_h - plot_h * i / 4
        draw.line([(left, y), (left + plot_w, y)], fill="#e3e7ee")
        draw.text((6, y - 6), y_format.format(top_value * i / 4), fill="#5f6b7a", font=font)
    n = max(len(labels), 1)

    def x_at(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    for i in sorted({0, (n - 1) // 2, n - 1}):
        if i < len(labels):
            text = str(labels[i])
            draw.text((min(x_at(i) - 3 * len(text), width - right - 6 * len(text)), height - bottom + 8), text,
                      fill="#5f6b7a", font=font)
    for k, (name, vs) in enumerate(series.items()):
        color = COLORS[k % len(COLORS)]
        points: list[tuple[float, float]] = []
        for i, v in enumerate(vs):
            if v is None or math.isnan(v):
                if len(points) > 1:
                    draw.line(points, fill=color, width=2)
                points = []
                continue
            points.append((x_at(i), top + plot_h - plot_h * min(v, top_value) / top_value))
        if len(points) > 1:
            draw.line(points, fill=color, width=2)
        for x, y in points if len(vs) <= 31 else []:
            draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=color)
        legend_y = top + 14 * k
        draw.rectangle([width - right + 10, legend_y + 3, width - right + 20, legend_y + 9], fill=color)
        draw.text((width - right + 24, legend_y), str(name)[:20], fill="#1d2330", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_markdown(png: bytes | None, alt: str) -> str:
    """Markdown that shows the image inline in the Dagster UI (a data: URI), or nothing."""
    if not png:
        return ""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
