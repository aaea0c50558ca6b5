"""The README's test examples are the files in tests/examples, word for word."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = re.compile(r"<!-- example: (\S+) -->\n```python\n(.*?)```\n", re.DOTALL)


def test_readme_examples_are_the_example_tests():
    """The README's and the docs' examples, each word for word the example test it names, and every
    example test shown somewhere; the README, a front page, opens with its quick-start."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    assert "<!-- example: tests/examples/test_quickstart.py -->" in readme.split("## ")[1]
    pages = [readme, *(path.read_text() for path in sorted((ROOT / "docs").glob("*.md")))]
    found = [pair for page in pages for pair in EXAMPLE.findall(page)]
    assert len(found) >= 5
    for path, code in found:
        assert (ROOT / path).read_text() == code, f"README example differs from {path}"
    listed = {path for path, _ in found}
    on_disk = {f"tests/examples/{p.name}" for p in (ROOT / "tests/examples").glob("test_*.py")}
    assert listed == on_disk


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    commands = re.findall(r"^    (\S.*)$", text.split("## ")[0], re.MULTILINE)
    assert commands[0].endswith("mock-infobip serve") and "pip install -e '.[dev]'" in commands[0]
    installs = (
        "bash .ci/install-browser && bash .ci/install-sdks && bash .ci/install-postgres"
        " && bash .ci/build-image --compose"
    )
    assert commands[1] == f"{installs} && .venv/bin/python -m pytest"
    assert commands[1] in (ROOT / ".ci/run").read_text()


def test_the_front_page_and_the_docs_link_to_what_exists():
    link = re.compile(r"\]\(([^)#\s]+)\)")
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in link.findall(page.read_text()):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).exists(), f"{page.name} links to {target}"
