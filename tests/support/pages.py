"""Browser checks shared by the page tests: no sideways scroll, and axe-core's verdict."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = ({"width": 390, "height": 844}, {"width": 1280, "height": 800})
BLOCKING = ("serious", "critical")

_AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.filter(v => %s.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
}"""


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


_WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > limit + 1)
    .slice(0, 4)
    .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (typeof el.className === "string" && el.className
         ? "." + el.className.split(" ").join(".") : "")
      + " right=" + Math.round(el.getBoundingClientRect().right));
}"""


def too_wide(page) -> list[str]:
    """The first elements sticking out of the viewport (for the failure message)."""
    return page.evaluate(_WIDEST)


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(_AXE_RUN % list(BLOCKING))


def check_page(page, url: str, label: str) -> list[str]:
    """Visit url at both viewports; return human-readable failures (empty when fine)."""
    failures = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        page.goto(url)
        page.wait_for_load_state("load")
        where = f"{label} at {viewport['width']}px"
        overflow = horizontal_overflow(page)
        if overflow > 0:
            failures.append(f"{where}: scrolls sideways by {overflow}px: {too_wide(page)}")
        for v in axe_violations(page):
            failures.append(f"{where}: axe {v['impact']} {v['id']} ({v['help']}): {v['nodes']}")
    return failures
