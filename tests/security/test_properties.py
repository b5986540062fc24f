"""Every security property (SECURITY.md, 1–30) is proved by at least one test tagged
`@pytest.mark.security(n)`; `pytest -m security` runs them all."""

from __future__ import annotations

import re
from pathlib import Path

PROPERTIES = range(1, 31)
TESTS = Path(__file__).resolve().parents[1]


def test_every_property_has_a_tagged_test():
    tagged: dict[int, list[str]] = {}
    for path in TESTS.rglob("test_*.py"):
        text = path.read_text()
        for number, name in re.findall(
            r"@pytest\.mark\.security\((\d+)\)\n(?:@.*\n|\s.*\n)*?def (test_\w+)", text
        ):
            tagged.setdefault(int(number), []).append(f"{path.name}::{name}")
    missing = [number for number in PROPERTIES if number not in tagged]
    assert missing == [], f"properties without a tagged test: {missing}"
    assert set(tagged) <= set(PROPERTIES), sorted(set(tagged) - set(PROPERTIES))
