"""Brand colours: hex parsing, WCAG contrast, and readable text/link colours."""

from __future__ import annotations

import re

HEX = re.compile(r"^#([0-9a-fA-F]{6})$")
DEFAULT_PRIMARY = "#1d4ed8"
WHITE, BLACK = "#ffffff", "#000000"
# WCAG 2.1 AA for normal text.
MIN_CONTRAST = 4.5


def normalise(value: str) -> str | None:
    """'#AbC' or '#aabbcc' → '#aabbcc'; None when not a hex colour."""
    value = (value or "").strip()
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower() if HEX.match(value) else None


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def on_color(background: str) -> str:
    """Black or white, whichever reads better on the background."""
    return WHITE if contrast(background, WHITE) >= contrast(background, BLACK) else BLACK


def _mix(color: str, toward: str, amount: float) -> str:
    a, b = _rgb(color), _rgb(toward)
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def readable_on_white(color: str) -> str:
    """The colour darkened just enough for text on white (links, focus, switch)."""
    for step in range(0, 21):
        candidate = _mix(color, BLACK, step / 20)
        if contrast(candidate, WHITE) >= MIN_CONTRAST:
            return candidate
    return BLACK


def palette(primary: str) -> dict[str, str]:
    """CSS custom properties for a primary colour, each meeting AA contrast where text sits."""
    primary = normalise(primary) or DEFAULT_PRIMARY
    text = readable_on_white(primary)
    return {
        "--lk-primary": text,
        "--lk-primary-hover": _mix(text, BLACK, 0.15),
        "--lk-on-primary": on_color(text),
        "--lk-brand": primary,
        "--lk-on-brand": on_color(primary),
    }


def stylesheet(primary: str) -> str:
    """A tiny stylesheet setting the tenant's colour variables."""
    props = ";".join(f"{k}:{v}" for k, v in palette(primary).items())
    return f":root{{{props}}}\n"
