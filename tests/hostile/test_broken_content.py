"""Broken Markdown through the real command line: every mistake an author makes is named at its exact
``path:line:col`` with the source line and a caret, every error of a run is reported, and ``dist/`` is
left exactly as it was.

The corpus is data: ``tests/hostile/broken/<case>/`` holds the case's deck file(s) and an
``expected.json``::

    {"why": "what is wrong", "exit": 1,
     "errors": [{"at": "deck.md:14:3", "message": "card id is missing"}]}

``at`` is relative to the content folder; ``message`` is a phrase the message must contain. ``errors``
is the complete list: a run printing any other error (a cascade, a duplicate) fails. Cases with
``"exit": 0`` (a BOM, CRLF line endings, tabs) must simply build; ``tsv_contains`` / ``tsv_lacks``
then say what the deck's .tsv must (not) hold.

The 5 MB file and the file over the size limit are generated here, not committed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from builder.source import MAX_FILE_BYTES
from tests.support.cli import ROOT, run_build

CORPUS = Path(__file__).resolve().parent / "broken"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
HEAD = re.compile(r"^(?P<path>\S.*?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.*)$")
INDENT = "    "  # Diagnostic.format indents the source line and the caret line by four spaces


def expected(case: str) -> dict:
    return json.loads((CORPUS / case / "expected.json").read_text(encoding="utf-8"))


# --- helpers ------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: relative path -> (sha256, mtime_ns); plus the folder's own inode."""
    files = {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*")) if p.is_file()
    }
    files["."] = ("inode", folder.stat().st_ino)
    return files


def source_lines(path: Path) -> list[str]:
    """The file's lines as an author's editor shows them (BOM dropped, CRLF as LF, bad bytes replaced)."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def diagnostics(stderr: str) -> list[dict]:
    """Each ``path:line:col: severity: message`` head with the (up to two) lines printed under it."""
    lines = stderr.splitlines()
    found = []
    for i, line in enumerate(lines):
        m = HEAD.match(line)
        if m:
            after = []
            for nxt in lines[i + 1 : i + 3]:
                if not nxt.startswith(INDENT):
                    break
                after.append(nxt)
            found.append({**m.groupdict(), "line": int(m["line"]), "col": int(m["col"]), "after": after})
    return found


def assert_points_at(diag: dict, content: Path) -> None:
    """The printed source line is the file's line; the caret stands under the reported column."""
    path = content.parent / diag["path"]
    lines = source_lines(path)
    line = lines[diag["line"] - 1] if diag["line"] <= len(lines) else ""
    where = f"{diag['path']}:{diag['line']}:{diag['col']}"
    if not line:
        assert diag["after"] == [], f"{where}: an empty line gets no caret"
        return
    assert len(diag["after"]) == 2, f"{where}: expected the source line and a caret line, got {diag['after']}"
    shown, caret = diag["after"]
    assert shown == INDENT + line.replace("\t", " "), f"{where}: printed line is not the file's line {diag['line']}"
    assert caret == INDENT + " " * (diag["col"] - 1) + "^", f"{where}: caret is not under column {diag['col']}"


def prepare(tmp_path: Path, case: str, good_dist: Path) -> tuple[Path, Path]:
    """tmp/content = the case's files; tmp/dist = the outputs of a good build."""
    content, dist = tmp_path / "content", tmp_path / "dist"
    shutil.copytree(CORPUS / case, content, ignore=shutil.ignore_patterns("expected.json"))
    shutil.copytree(good_dist, dist)
    return content, dist


def run(tmp_path: Path, *args: str, timeout: float = 300):  # type: ignore[no-untyped-def]
    """The real CLI, from the folder holding content/ and dist/ (so paths print as content/...).

    The build cache goes to tmp/cache: a failed build must not create it (nothing is written).
    """
    return run_build("--content", "content", "--out-dir", "dist", "--cache-dir", "cache", *args, cwd=tmp_path, timeout=timeout)


def assert_failed_cleanly(tmp_path: Path, content: Path, dist: Path, before: dict, content_before: dict, done) -> None:  # type: ignore[no-untyped-def]
    assert done.returncode == 1, done.stderr
    assert snapshot(dist) == before, "dist/ changed although the build failed"
    assert snapshot(content) == content_before, "the content folder changed (state file written?)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "dist"], "staging folders or a cache left behind"
    assert re.search(r"^build failed: \d+ error\(s\); nothing was written$", done.stderr, re.M), done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def good_dist(tmp_path_factory) -> Path:
    """dist/ from a successful build of the real content: the outputs a failed build must not touch."""
    where = tmp_path_factory.mktemp("good")
    shutil.copytree(ROOT / "content", where / "content")
    done = run(where, "-q")
    assert done.returncode == 0, done.stderr
    assert any((where / "dist").glob("*.apkg"))
    return where / "dist"


# --- the corpus ---------------------------------------------------------------------------------


REQUIRED = {  # issue 5, "Broken Markdown"; the 5 MB file is generated below
    "missing-id", "invalid-id", "duplicate-id-across-files", "unclosed-inline-math", "unclosed-display-math",
    "unclosed-compute-block", "unclosed-code-fence", "placeholder-unknown-parameter",
    "placeholder-without-compute-block", "placeholder-malformed", "default-outside-range", "empty-choice-set",
    "expect-disagrees", "unknown-unit", "unknown-show-unit", "front-matter-missing-deck",
    "front-matter-unknown-key", "front-matter-not-closed", "front-matter-missing", "non-utf8", "bom", "crlf",
    "tabs", "empty-file", "only-front-matter", "no-separator", "empty-question", "unknown-card-setting",
    "compute-unknown-name", "compute-import", "compute-string", "division-by-zero-at-defaults",
    "many-errors-one-file",
}


def test_the_corpus_covers_what_the_issue_lists():
    assert len(CASES) >= 25
    assert REQUIRED <= set(CASES), f"missing cases: {sorted(REQUIRED - set(CASES))}"
    for case in CASES:
        spec = expected(case)
        assert spec["why"] and spec["exit"] in (0, 1), case
        assert (spec["exit"] == 0) == (not spec["errors"]), f"{case}: exit 1 needs errors, exit 0 none"


@pytest.mark.parametrize("case", CASES)
def test_build_and_check_name_every_error_and_leave_dist_alone(tmp_path, good_dist, case):
    spec = expected(case)
    content, dist = prepare(tmp_path, case, good_dist)
    before, content_before = snapshot(dist), snapshot(content)

    checked = run(tmp_path, "check")
    assert checked.returncode == spec["exit"], checked.stderr
    assert snapshot(dist) == before and snapshot(content) == content_before, "check wrote something"
    done = run(tmp_path)

    if spec["exit"] == 0:
        assert checked.stderr.strip() == "ok: 1 cards in 1 deck(s)"
        assert done.returncode == 0, done.stderr
        assert "error:" not in done.stderr and "Traceback" not in done.stderr
        tsv = (dist / "deck.tsv").read_text(encoding="utf-8")
        assert (dist / "deck.apkg").stat().st_size > 0
        for text in spec.get("tsv_contains", []):
            assert text in tsv, f"{text!r} not in the built .tsv:\n{tsv}"
        for text in spec.get("tsv_lacks", []):
            assert text not in tsv, f"{text!r} in the built .tsv"
        assert not [p.name for p in tmp_path.iterdir() if p.name not in ("content", "dist", "cache")], "staging folders left"
        return

    assert_failed_cleanly(tmp_path, content, dist, before, content_before, done)
    found = diagnostics(done.stderr)
    errors = [d for d in found if d["severity"] == "error"]
    assert len(errors) == len(spec["errors"]), f"expected {len(spec['errors'])} error(s), got:\n{done.stderr}"
    assert f"build failed: {len(errors)} error(s)" in done.stderr
    for want in spec["errors"]:
        path, line, col = want["at"].rsplit(":", 2)
        matches = [d for d in errors if (d["path"], d["line"], d["col"]) == (f"content/{path}", int(line), int(col))]
        assert matches, f"no error at content/{want['at']}:\n{done.stderr}"
        assert want["message"] in matches[0]["message"], f"content/{want['at']}: {matches[0]['message']!r}"
    for d in found:
        assert_points_at(d, content)
    assert checked.stderr == done.stderr, "build.py check reads differently from the build"


# --- usage errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["--no-such-option"],
    ["frobnicate"],
    ["answer"],
    ["answer", "good-card"],
    ["import-tsv", "cards.tsv"],
    ["answer", "no-such-card", "1"],
])
def test_usage_errors_exit_2_and_write_nothing(tmp_path, good_dist, args):
    content, dist = prepare(tmp_path, "front-matter-unknown-key", good_dist)
    (content / "deck.md").write_text("---\ndeck: Fine\n---\n\n## good-card\n\nQ\n\n---\n\nA\n", encoding="utf-8")
    before = snapshot(dist)
    done = run(tmp_path, *args)
    assert done.returncode == 2, done.stderr
    assert ("usage:" in done.stderr or "error: no card with id 'no-such-card'" in done.stderr
            or "error: cannot read cards.tsv" in done.stderr)
    assert "Traceback" not in done.stderr
    assert snapshot(dist) == before


# --- size -----------------------------------------------------------------------------------------

FILLER = "Filler about the KV cache with math $x_i^2$, a **bold** word and `code $ span`. " * 12


def big_deck(target_bytes: int) -> tuple[str, int]:
    """Valid cards up to ``target_bytes`` of UTF-8; returns the text and the card count."""
    parts = ["---\ndeck: Big\n---\n\n"]
    size, n = len(parts[0]), 0
    while size < target_bytes:
        card = f"## card-{n}\n\nQuestion {n} about {{{{n}}}} tokens?\n\n{FILLER}\n\n---\n\nAnswer {n}: {{{{answer:MB:3}}}}.\n\n" \
               f"```compute\nparam n = {n % 50 + 1} in 1..100 integer\nanswer = n * 1_000_000\nunit: B\n```\n\n"
        parts.append(card)
        size += len(card.encode("utf-8"))
        n += 1
    return "".join(parts), n


def test_a_five_megabyte_deck_builds(tmp_path, good_dist):
    """5 MB is a large deck (thousands of cards), but under the 8 MiB limit: an author expects it to build.

    The limit is there to stop a pasted log or a binary file; it is not a style rule for decks.
    """
    text, count = big_deck(5 * 1024 * 1024)
    assert 5 * 1024 * 1024 <= len(text.encode()) < MAX_FILE_BYTES
    content, dist = tmp_path / "content", tmp_path / "dist"
    content.mkdir()
    (content / "big.md").write_text(text, encoding="utf-8")
    shutil.copytree(good_dist, dist)
    done = run(tmp_path, "-q")
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"built {count} cards in 1 deck(s)" in done.stderr
    with (dist / "big.tsv").open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.reader(f, delimiter="\t") if not row[0].startswith("#")]
    assert len(rows) == count
    assert rows[-1][0].startswith(f"<p>Question {count - 1} about <span") and "\\(x_i^2\\)" in rows[-1][0]
    assert (dist / "big.apkg").stat().st_size > 0
    assert not [p.name for p in tmp_path.iterdir() if p.name not in ("content", "dist", "cache")], "staging folders left"


def test_a_five_megabyte_deck_with_one_error_near_the_end(tmp_path, good_dist):
    text, _ = big_deck(5 * 1024 * 1024)
    text += "## last-card\n\nIt costs $5 per million tokens.\n\n---\n\nA\n"
    line = text.count("\n", 0, text.index("It costs $5")) + 1
    content, dist = tmp_path / "content", tmp_path / "dist"
    content.mkdir()
    (content / "big.md").write_text(text, encoding="utf-8")
    shutil.copytree(good_dist, dist)
    before, content_before = snapshot(dist), snapshot(content)
    done = run(tmp_path)
    assert_failed_cleanly(tmp_path, content, dist, before, content_before, done)
    [diag] = diagnostics(done.stderr)
    assert (diag["path"], diag["line"], diag["col"]) == ("content/big.md", line, 10)
    assert "'$' math is not closed" in diag["message"] and "\\$" in diag["message"]
    assert_points_at(diag, content)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, good_dist):
    content, dist = tmp_path / "content", tmp_path / "dist"
    content.mkdir()
    (content / "huge.md").write_bytes(b"---\ndeck: Huge\n---\n\n" + b"x" * MAX_FILE_BYTES)
    shutil.copytree(good_dist, dist)
    before, content_before = snapshot(dist), snapshot(content)
    done = run(tmp_path)
    assert_failed_cleanly(tmp_path, content, dist, before, content_before, done)
    [diag] = diagnostics(done.stderr)
    assert (diag["path"], diag["line"], diag["col"]) == ("content/huge.md", 1, 1)
    assert f"the limit is {MAX_FILE_BYTES:,} (split the deck)" in diag["message"]


def test_thousands_of_unclosed_dollars_are_all_reported_quickly(tmp_path, good_dist):
    """Each unclosed '$' used to rescan the rest of its paragraph: 8,000 of them took 20 s."""
    content, dist = tmp_path / "content", tmp_path / "dist"
    content.mkdir()
    count = 20_000
    (content / "deck.md").write_text(
        "---\ndeck: Prices\n---\n\n## prices\n\nQ: " + "costs $a " * count + "{{" * 5_000 + "\n\n---\n\nA\n", encoding="utf-8")
    shutil.copytree(good_dist, dist)
    before, content_before = snapshot(dist), snapshot(content)
    started = time.monotonic()
    done = run(tmp_path, timeout=60)
    assert time.monotonic() - started < 20
    assert_failed_cleanly(tmp_path, content, dist, before, content_before, done)
    found = diagnostics(done.stderr)
    assert sum("'$' math is not closed" in d["message"] for d in found) == count
    assert sum("'{{' placeholder is not closed" in d["message"] for d in found) == 5_000
    assert found[0]["col"] == len("Q: costs ") + 1 and found[1]["col"] == len("Q: costs $a costs ") + 1
