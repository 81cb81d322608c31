"""The documentation is self-contained: every cited source has an entry in ``docs/references.md``, and no
document points to a file outside the repository.

Citations are found where the model cites: ``docs/*.md``, the README, the schema's ``source`` strings, the
docstrings and comments of ``sim/`` and of ``tests/validation/``. An author-year citation ("Gathmann 2008",
"Eschbach et al. 1999", "Massey & Singer 1995", "UNODC (2010)") needs an entry of ``docs/references.md``
naming the same first word and year; citations without a year (report numbers, statutes, guidelines) are
listed below.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_key_sources import FIELDS

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "docs" / "references.md"

# An author or body, perhaps more words, perhaps "et al." or a second author, then a year (1800-2099).
CITATION = re.compile(
    r"\b([A-Z][A-Za-z\-]+)(?:,? [A-Z][A-Za-z\-]+)*?(?: et al\.| and [A-Z][a-z]+| & [A-Z][a-z]+)?,? \(?"
    r"((?:1[89]|20)\d\d)\b"
)
# Capitalised words before a year that are not citations (none occur now; kept for dates in prose).
NOT_AUTHORS = re.compile(
    r"In|Since|From|Until|Before|After|January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Sep|FY"
)
# Citations without an author-year form, each as written where it is cited.
OTHER_CITATIONS = (
    "GAO-06-770",
    "USSG 3B1.1",
    "USSG 3E1.1",
    "18 U.S.C. 3142(g)",
    "ECHR art. 5(3)",
    "NIST FRVT 1:1",
    "Integrated Fixed Towers",
    "Washburn",
    "Global Report on Trafficking in Persons",
    "Regulation (EU) No 603/2013",
)

# Pointers to files that live outside the repository (design notes, background material, absolute paths).
OUTSIDE = re.compile(
    r"\.\./shared|\bshared/|field-figures|seed-article|DESIGN\.md|REFEREE\.md|VALIDATION\.md|STYLE\.md|"
    r"background/|/work/|/home/|/tmp/|[A-Z]:\\\\"
)


def cited_texts() -> dict[str, str]:
    """Every text that cites sources, by where it comes from."""
    files = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    files += sorted((ROOT / "sim").rglob("*.py")) + sorted((ROOT / "tests" / "validation").glob("*.py"))
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files if p != REFERENCES}
    texts["scenario schema (source strings)"] = "\n".join(f.metadata.get("source", "") for f in FIELDS.values())
    return texts


def entries() -> list[str]:
    """The entries of docs/references.md: list items, continuation lines joined."""
    text = REFERENCES.read_text(encoding="utf-8")
    return [" ".join(e.split()) for e in re.split(r"^- ", text, flags=re.M)[1:]]


def author_year_citations(text: str) -> set[tuple[str, str]]:
    """(first word of the author or body, year) of every author-year citation in ``text``."""
    found = set()
    for m in CITATION.finditer(text):
        author = m.group(1).split("-")[0]
        if not NOT_AUTHORS.fullmatch(author):
            found.add((author, m.group(2)))
    return found


def has_entry(author: str, year: str, refs: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(author)}\b", e) and re.search(rf"\b{year}\b", e) for e in refs)


def test_every_author_year_citation_has_an_entry():
    refs = entries()
    missing = sorted(
        f"{author} {year} ({where})"
        for where, text in cited_texts().items()
        for author, year in author_year_citations(text)
        if not has_entry(author, year, refs)
    )
    assert not missing, f"citations with no entry in docs/references.md: {missing}"


def test_citations_without_a_year_have_an_entry():
    refs = " ".join(entries())
    cited = "\n".join(cited_texts().values())
    missing = sorted(c for c in OTHER_CITATIONS if c in cited and c not in refs)
    assert not missing, f"citations with no entry in docs/references.md: {missing}"


def test_references_are_alphabetical_within_each_section():
    text = REFERENCES.read_text(encoding="utf-8")
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        keys = re.findall(r"^- \*\*([^*]+)\*\*", section, re.M)
        # Statutes cited by number ("18 U.S.C.") sort by their words, as in a law library's index.
        words = [re.sub(r"[^a-z0-9 ]", "", re.sub(r"^[\d ]+", "", k).lower()) for k in keys]
        assert words == sorted(words), f"entries out of order in section {section.splitlines()[0]!r}: {keys}"


def test_no_document_points_outside_the_repository():
    files = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    for folder in ("sim", "scenarios", "experiments", "tests/validation", "benchmarks"):
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".toml"})
    hits = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not hits, "documents pointing to files outside the repository:\n" + "\n".join(hits)


def test_relative_links_in_the_docs_resolve_inside_the_repository():
    broken = []
    for p in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", p.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            resolved = (p.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{p.relative_to(ROOT)}: {target}")
    assert not broken, f"links to files that are not in the repository: {broken}"


def test_the_checks_can_fail():
    """The helpers on made-up text: a citation with no entry, a pointer outside."""
    assert author_year_citations("as Smith et al. 2004 and Doe & Roe (1999) found in 2011") == {
        ("Smith", "2004"),
        ("Doe", "1999"),
    }
    assert not has_entry("Smith", "2004", entries())
    assert has_entry("Gathmann", "2008", entries())
    outside_folder, design_note = "/".join(("..", "shared", "background", "notes.md")), "VALIDATION" + ".md"
    assert OUTSIDE.search(f"see {outside_folder}")  # (built from parts, so this file names no outside path)
    assert OUTSIDE.search(f"closed forms from {design_note}")
    assert not OUTSIDE.search("see docs/references.md and tests/validation/")
