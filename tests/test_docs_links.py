"""The user docs stand alone (issue 15): every link in README.md, docs/ and raw/README.md
leads to a file of this repository (and, with a #fragment, to a heading of it), never out of it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import REPO

DOCS = [REPO / "README.md", REPO / "raw" / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", path.read_text(encoding="utf-8"), re.M)}


def test_slug_is_githubs():
    assert slug("styrmodell/<year>/<kommunkod>.yml: the goal model") == "styrmodellyearkommunkodyml-the-goal-model"
    assert slug("Warnings that do not block") == "warnings-that-do-not-block"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_links_stay_in_the_repository(doc):
    bad = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+://|mailto:", target):
            continue  # a web address is no file of ours
        file, _, fragment = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.is_relative_to(REPO) or not path.exists():
            bad.append(f"{target}: no such file in the repository")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            bad.append(f"{target}: no such heading")
    # the project's working notes (../shared) are not part of what users get
    if "../shared" in doc.read_text(encoding="utf-8"):
        bad.append("refers to ../shared, which users do not have")
    assert bad == []
