"""docs/conformance.md lists every module with the test that plays it; no row without a test."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from django.conf import settings

DOC = Path(settings.BASE_DIR) / "docs" / "conformance.md"
ROW = re.compile(r"^\| `(oidcc-[a-z0-9-]+)` \| [^|]+ \| `(test_\w+)\.py::(test_\w+)`")
PACKAGE = Path(__file__).parent


def _rows() -> list[tuple[str, str, str]]:
    return [m.groups() for line in DOC.read_text().splitlines() if (m := ROW.match(line))]


def test_every_documented_module_has_its_test():
    rows = _rows()
    assert len(rows) >= 50, "the module table is missing rows"
    for module, file, function in rows:
        assert function == "test_" + module.replace("-", "_"), (module, function)
        tests = importlib.import_module(f"tests.conformance.{file}")
        assert callable(getattr(tests, function, None)), f"{module}: no {file}.py::{function}"


def test_every_module_test_has_a_row():
    documented = {function for _, _, function in _rows()}
    for path in PACKAGE.glob("test_oidcc_*.py"):
        found = set(re.findall(r"^def (test_oidcc_\w+)\(", path.read_text(), re.M))
        missing = found - documented - {"test_oidcc_unsupported_response_type_refused"}
        assert not missing, f"{path.name}: tests without a row in docs/conformance.md: {missing}"


def test_doc_says_how_to_run_the_real_suite():
    text = DOC.read_text()
    assert "response mode to `query`" in text
