#!/usr/bin/env python3
"""Compute Cards build: Markdown decks in content/ -> dist/ (.apkg, .tsv, .ankiaddon).

    python build.py                      build everything into dist/
    python build.py check                validate only, write nothing
    python build.py answer CARD "TEXT" [--set NAME=VALUE ...]
                                         judge one answer, print one JSON line
    python build.py import-tsv FILE [--deck NAME] [--out PATH]
                                         turn a Front/Back TSV export into a Markdown deck file
    python build.py preview [--port N]   a live page of every card as Anki shows it, on 127.0.0.1,
                                         following each save; writes nothing

Exit codes: 0 success, 1 content errors (all printed as path:line:col), 2 usage errors,
130 interrupted (Ctrl-C; how the preview stops).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

# The build (builder.pipeline: markdown, and anki when writing) is imported only when there is work to
# do: a rebuild with nothing changed stops at the up-to-date check, which needs the standard library.


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "build"
    writer = None
    if command == "build" and Path(args.content).is_dir():
        if not args.no_cache and _up_to_date(args):
            return 0
        writer = _start_writer(args)
    try:
        return _run(args, command, writer)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)  # a build replaces dist/ only at its very end, in one rename
        return 130
    finally:
        if writer is not None:
            writer.close()


def _start_writer(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """A process that gets anki ready while this one parses, then writes the .apkg files (builder/apkg_writer.py).

    Started here, before the build's own modules are imported, so it has the longest head start. It
    first computes the inputs digest for the up-to-date record (builder/uptodate.py), while this
    process imports the build; the build computes it itself if its settings ask for other inputs.
    """
    if args.jobs < 2:  # one job: no second process (and none of the speed layer imported)
        return None
    from builder import apkg_writer

    if not apkg_writer.wanted(args.jobs, Path(args.content)):
        return None
    return apkg_writer.ApkgWriter.start(None if args.no_cache else _settings(args).inputs())


def _settings(args: argparse.Namespace, progress=None):  # type: ignore[no-untyped-def]
    """The build's settings from the command line (builder/settings.py: light, no build imported)."""
    from builder.settings import Settings

    return Settings(
        content_dir=Path(args.content),
        out_dir=Path(args.out_dir),
        addon_dir=ROOT / "addon",
        manifest_path=ROOT / "manifest.json",
        progress=progress,
        cache_dir=None if args.no_cache else Path(args.cache_dir),
        jobs=args.jobs,
    )


def _run(args: argparse.Namespace, command: str, writer) -> int:  # type: ignore[no-untyped-def]
    from builder import pipeline

    settings = _settings(args, None if args.quiet else pipeline.terminal_progress())
    if command == "import-tsv":
        from builder.tsv_import import import_tsv

        return import_tsv(Path(args.file), args.deck, Path(args.out) if args.out else None, settings.content_dir)
    if not settings.content_dir.is_dir():
        print(f"error: content folder {settings.content_dir} not found (--content DIR)", file=sys.stderr)
        return 2
    if command == "preview":
        return _preview(settings, args.port)
    try:
        if command == "build":
            result = pipeline.build(settings, writer=writer)
        else:
            result = pipeline.validate(settings)
    except pipeline.BuildFailed as failed:
        _print_diagnostics(failed.diagnostics)
        errors = sum(d.severity == "error" for d in failed.diagnostics)
        print(f"build failed: {errors} error(s); nothing was written", file=sys.stderr)
        return 1
    _print_diagnostics(result.diagnostics)
    if command == "answer":
        return _answer(result, args)
    if command == "check":
        print(f"ok: {len(result.cards)} cards in {len(result.decks)} deck(s)", file=sys.stderr)
        return 0
    stamped = result.stamped
    assert stamped is not None
    print(
        f"built {len(result.cards)} cards in {len(result.decks)} deck(s) -> {settings.out_dir}/ "
        f"({len(stamped.added)} new, {len(stamped.changed)} changed since the last build)",
        file=sys.stderr,
    )
    for what, ids in (("changed", stamped.changed), ("new", stamped.added)):
        if ids:
            print(f"  {what}: {', '.join(ids[:20])}{f' and {len(ids) - 20} more' if len(ids) > 20 else ''}", file=sys.stderr)
    if not args.quiet:
        for path in result.outputs:
            print(f"  {path}", file=sys.stderr)
    return 0


def _preview(settings, port: int | None) -> int:  # type: ignore[no-untyped-def]
    """Render every card (the build's stages, the build cache read and never written), serve them on
    127.0.0.1, follow the saves until Ctrl-C (builder/preview.py, builder/preview_server.py)."""
    import signal
    import threading

    from builder import preview, preview_server

    def interrupted(signum: int, frame: object) -> None:  # a closed terminal or `kill`: stop as on Ctrl-C
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    state = preview.Preview(settings)
    state.tell(state.load(settings.progress))  # before any thread: the first render forks its workers
    port = preview_server.DEFAULT_PORT if port is None else port
    try:
        server = preview_server.PreviewServer(state, port)
    except OSError as e:
        print(f"error: cannot serve on 127.0.0.1:{port}: {e.strerror}", file=sys.stderr)
        return 2
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    def ready() -> None:  # the watcher runs: the URL can be opened
        snapshot = state.snapshot
        print(f"preview: {sum(len(v.cards) for v in snapshot.decks)} cards in {len(snapshot.decks)} deck file(s) "
              f"at {server.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        if server.mathjax is None:
            print("warning: MathJax is not installed (node_modules/mathjax): math shows as TeX; run `make preview`",
                  file=sys.stderr)

    def progress(what: str, done: int, total: int) -> None:
        server.events.publish("progress", {"what": what, "done": done, "total": total})
        if settings.progress:
            settings.progress(what, done, total)

    try:
        preview.follow(state, lambda update: server.events.publish("update", {"version": state.snapshot.version}),
                       progress, ready)
    finally:
        server.close()
    return 0


def _up_to_date(args: argparse.Namespace) -> bool:
    """True (and says so) when dist/ holds what the last build wrote and no input changed."""
    from builder import uptodate

    found = uptodate.check_up_to_date(Path(args.cache_dir), *_settings(args).inputs())
    if found is None:
        return False
    print(f"{args.out_dir}/ is up to date: {found.get('cards', 0)} cards in {found.get('decks', 0)} deck(s), "
          "nothing changed since the last build", file=sys.stderr)
    return True


def _answer(result, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from addon.core.compute import parse_compute
    from addon.core.diagnostics import ComputeError
    from addon.core.notetype import compute_source

    card = next((c for c in result.cards if c.card_id == args.card), None)
    if card is None:
        print(f"error: no card with id {args.card!r}", file=sys.stderr)
        return 2
    if not card.compute:
        print(f"error: card {args.card!r} has no compute block", file=sys.stderr)
        return 2
    model = parse_compute(compute_source(card.compute))
    values: dict[str, float] = {}
    for item in args.set or []:
        name, sep, raw = item.partition("=")
        try:
            values[name.strip()] = float(raw.replace("_", ""))
        except ValueError:
            sep = ""
        if not sep:
            print(f"error: --set takes NAME=NUMBER, got {item!r}", file=sys.stderr)
            return 2
    try:
        evaluated = model.evaluate(values)
    except ComputeError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    verdict = model.check(args.text, values)
    print(json.dumps({
        "verdict": verdict.state,
        "correct": verdict.correct,
        "expected": evaluated["answer"],
        "unit": model.answer.unit.symbol,
        "shown": model.expected_text(evaluated),
        "message": verdict.message,
    }, ensure_ascii=False))
    return 0


def _print_diagnostics(diagnostics: list) -> None:  # type: ignore[type-arg]
    for d in diagnostics:
        print(d.format(), file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description="Build Compute Cards decks and the add-on.")
    parser.add_argument("--content", default="content", help="folder of deck files (default: content)")
    parser.add_argument("--out-dir", default="dist", help="output folder, replaced whole on success (default: dist)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress and no list of outputs")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache" / "compute-cards"),
                        help="where rendered cards and .apkg files are cached (default: .cache/compute-cards)")
    parser.add_argument("--no-cache", action="store_true", help="render every card; read and write no cache")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes for rendering cards (default: the number of CPUs)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("build", help="build everything (the default)")
    sub.add_parser("check", help="validate the content; write nothing")
    answer = sub.add_parser("answer", help="judge one answer against a card; print one JSON line")
    answer.add_argument("card", help="the card id, e.g. kv-cache-llama-8b")
    answer.add_argument("text", help='the answer as a learner types it, e.g. "536.9 MB"')
    answer.add_argument("--set", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
    live = sub.add_parser("preview", help="a live local page of every card as Anki shows it, following each save")
    live.add_argument("--port", type=int, help="the port on 127.0.0.1 (default: 8319; 0: any free one)")
    tsv = sub.add_parser("import-tsv", help="turn Anki's Notes in Plain Text export (or a Front/Back TSV) into deck files")
    tsv.add_argument("file", help="the .txt/.tsv file (Anki's export or the seed's format)")
    tsv.add_argument("--deck", help="deck name for the front matter (subdecks with ::); "
                                    "optional when the file names its decks (Anki's #deck: or deck column)")
    tsv.add_argument("--out", help="where to write the deck file (default: content/<deck>.md; never overwrites)")
    return parser


if __name__ == "__main__":
    # A short batch run that keeps tens of thousands of containers alive (cards, cache records, the
    # state): with the default thresholds the cycle collector walks them all again and again (about
    # 10 % of a one-edit rebuild). Collect far less often; the build creates little cyclic garbage.
    gc.set_threshold(200_000, 30, 30)
    code = main()
    # Everything is written and closed, the writer process and the workers are joined: exit without
    # tearing down the interpreter (freeing some 100 MB of cards object by object, about 0.05 s of a
    # 10,000-card build), as mypy does. An exception out of main() still exits the normal way.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
