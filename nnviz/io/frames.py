"""One movie frame of training, drawn with Pillow (no Qt, so the app's worker-free GUI
thread and headless scripts draw the same picture).

A frame shows, left to right: the decision boundary over the input plane (2D data) or a
few test images framed green/orange for right/wrong (image data); the network's weights
(orange negative, purple positive, thicker when larger in magnitude); and the loss curve
of every step so far. Colours follow the app's plots (ColorBrewer PuOr, Okabe-Ito).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

PANEL = 240  # pixels per side of each of the three panels
MARGIN = 12
NEGATIVE = np.array([230, 97, 1], dtype=np.float64)  # PuOr's orange end
MIDDLE = np.array([247, 247, 247], dtype=np.float64)
POSITIVE = np.array([94, 60, 153], dtype=np.float64)  # PuOr's purple end
CLASS_COLORS = np.array(
    [[230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178], [213, 94, 0]],
    dtype=np.float64,
)
MAX_NEURONS_DRAWN = 12
INK = (40, 40, 40)
FAINT = (170, 170, 170)


def diverging(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] to RGB uint8: 0 orange, 0.5 white, 1 purple."""
    t = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)[..., None]
    low = MIDDLE + (NEGATIVE - MIDDLE) * (1 - 2 * np.minimum(t, 0.5))
    high = MIDDLE + (POSITIVE - MIDDLE) * (2 * np.maximum(t, 0.5) - 1)
    return np.where(t < 0.5, low, high).round().astype(np.uint8)


def boundary_panel(grid: np.ndarray, size: int = PANEL) -> Image.Image:
    """The boundary grid (``(g, g)`` P(class 1), or ``(g, g, k)`` class probabilities;
    row 0 is the bottom of the plane) as a ``size`` x ``size`` picture."""
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim == 2:
        rgb = diverging(grid)
    else:
        colors = CLASS_COLORS[np.arange(grid.shape[2]) % len(CLASS_COLORS)]
        rgb = np.clip(grid @ colors, 0, 255).round().astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(rgb[::-1]), "RGB")
    # nearest keeps the grid's cells flat: a GIF of them compresses well
    return image.resize((size, size), Image.Resampling.NEAREST)


def gallery_panel(
    images: np.ndarray, correct: Sequence[bool] | None, size: int = PANEL
) -> Image.Image:
    """Up to 16 test images (``(n, h, w, channels)`` uint8) in a 4 x 4 grid, each framed
    green when the network is right and orange when it is wrong (grey: not yet known)."""
    panel = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(panel)
    tile = size // 4
    for i, picture in enumerate(np.asarray(images)[:16]):
        array = np.asarray(picture)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[..., 0]
        image = Image.fromarray(array.astype(np.uint8)).convert("RGB")
        x, y = (i % 4) * tile, (i // 4) * tile
        verdict = None if correct is None or i >= len(correct) else bool(correct[i])
        color = FAINT if verdict is None else (0, 158, 115) if verdict else (213, 94, 0)
        draw.rectangle([x + 1, y + 1, x + tile - 2, y + tile - 2], outline=color, width=4)
        panel.paste(image.resize((tile - 12, tile - 12)), (x + 6, y + 6))
    return panel


def _shown(units: int) -> list[int]:
    """Indices of the neurons drawn for a layer of ``units`` (at most a dozen)."""
    if units <= MAX_NEURONS_DRAWN:
        return list(range(units))
    return [round(i) for i in np.linspace(0, units - 1, MAX_NEURONS_DRAWN)]


def weights_panel(
    weights: Sequence[tuple[np.ndarray, np.ndarray]], size: int = PANEL
) -> Image.Image:
    """The network as columns of neurons joined by its weights: W of shape
    ``(inputs, units)`` per dense layer; wide layers show a dozen evenly chosen neurons."""
    panel = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(panel)
    if not weights:
        return panel
    widths = [np.shape(weights[0][0])[0]] + [np.shape(w)[1] for w, _ in weights]
    columns = [_shown(n) for n in widths]
    xs = np.linspace(MARGIN + 8, size - MARGIN - 8, len(columns))

    def ys(count: int) -> np.ndarray:
        if count == 1:
            return np.array([size / 2])
        return np.linspace(MARGIN + 8, size - MARGIN - 8, count)

    top = max(float(np.max(np.abs(w))) for w, _ in weights) or 1.0
    for d, (w, _) in enumerate(weights):
        source, target = columns[d], columns[d + 1]
        shown = np.asarray(w)[np.ix_(source, target)]
        strength = np.abs(shown) / top
        colors = diverging(0.5 + 0.5 * np.sign(shown) * strength)
        widths = np.maximum(1, np.round(1 + 4 * strength)).astype(int)
        y0, y1 = ys(len(source)), ys(len(target))
        for i, j in np.ndindex(shown.shape):
            draw.line(
                [(xs[d], y0[i]), (xs[d + 1], y1[j])],
                fill=tuple(colors[i, j].tolist()),
                width=int(widths[i, j]),
            )
    radius = 6
    for k, shown in enumerate(columns):
        for y in ys(len(shown)):
            box = [xs[k] - radius, y - radius, xs[k] + radius, y + radius]
            draw.ellipse(box, fill="white", outline=INK, width=2)
    return panel


def loss_panel(step_losses: Sequence[float], size: int = PANEL) -> Image.Image:
    """The loss of every step as a curve (thinned to one point per pixel column)."""
    panel = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(panel)
    left, top, right, bottom = 40, MARGIN + 14, size - MARGIN, size - 28
    draw.rectangle([left, top, right, bottom], outline=FAINT)
    losses = np.asarray(step_losses, dtype=np.float64)
    losses = losses[np.isfinite(losses)]
    draw.text((left, 4), f"loss ({len(losses)} steps)", fill=INK)
    if losses.size < 2:
        return panel
    stride = max(1, losses.size // (right - left))
    shown = losses[::stride]
    high, low = float(shown.max()), min(0.0, float(shown.min()))
    span = high - low or 1.0
    xs = np.linspace(left, right, shown.size)
    ys = bottom - (shown - low) / span * (bottom - top)
    draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=(0, 114, 178), width=2)
    draw.text((4, top - 6), f"{high:.3g}", fill=INK)
    draw.text((4, bottom - 6), f"{low:.3g}", fill=INK)
    draw.text((left, bottom + 8), "step", fill=INK)
    return panel


def training_frame(
    step_losses: Sequence[float],
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    boundary: np.ndarray | None = None,
    images: np.ndarray | None = None,
    correct: Sequence[bool] | None = None,
    caption: str = "",
    size: int = PANEL,
) -> Image.Image:
    """A whole frame: boundary (or gallery), weights and loss side by side, the caption
    (e.g. "epoch 12, step 480") underneath. Width 3 x ``size``, height ``size`` + 24."""
    frame = Image.new("RGB", (3 * size, size + 24), "white")
    if boundary is not None:
        frame.paste(boundary_panel(boundary, size), (0, 0))
    elif images is not None:
        frame.paste(gallery_panel(images, correct, size), (0, 0))
    frame.paste(weights_panel(weights, size), (size, 0))
    frame.paste(loss_panel(step_losses, size), (2 * size, 0))
    ImageDraw.Draw(frame).text((MARGIN, size + 6), caption, fill=INK)
    return frame
