"""`pedigree-sync`: replays spooled writes against the API and says what it applied."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO

from .client import Pedigree
from .errors import PedigreeError
from .spool import SyncReport, replay, spool_dir


def sync(client: Pedigree, directory: str | os.PathLike[str] | None = None) -> SyncReport:
    """Applies the spool in `directory` (PEDIGREE_SPOOL_DIR, else ./.pedigree-spool) through
    `client`; replaying again applies nothing twice."""
    return replay(spool_dir(directory), client.graphql)


def print_report(report: SyncReport, out: TextIO, verbose: bool = True) -> None:
    for step in report.steps:
        if verbose or step.outcome != "before":
            print(f"  {step.outcome:<8} {step.description}", file=out)
    if report.failure:
        step, error = report.failure
        print(f"  FAILED   {step.description} ({step.file} #{step.seq}): {error}", file=out)
        print("  (later operations wait: fix the cause and run pedigree-sync again)", file=out)
    print(f"pedigree-sync: {report.summary()}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pedigree-sync",
        description="Replay the writes a Pedigree client spooled while offline. Operations applied before "
        "(by an earlier replay) are skipped, so running it twice applies nothing twice.",
    )
    parser.add_argument("directory", nargs="?", help="the spool folder (default: $PEDIGREE_SPOOL_DIR or ./.pedigree-spool)")
    parser.add_argument("--url", help="the API (default: $PEDIGREE_URL or http://localhost:4000)")
    parser.add_argument("--token", help="a writer token (default: $PEDIGREE_TOKEN)")
    parser.add_argument("--quiet", action="store_true", help="leave out operations applied by an earlier replay")
    args = parser.parse_args(argv)
    directory = spool_dir(args.directory)
    if not Path(directory).is_dir():
        print(f"pedigree-sync: no spool at {directory}; nothing to apply", file=sys.stderr)
        return 0
    try:
        with Pedigree(url=args.url, token=args.token) as client:
            print(f"pedigree-sync: replaying {directory} to {client.url}")
            report = sync(client, directory)
    except PedigreeError as error:
        print(f"pedigree-sync: {error}", file=sys.stderr)
        return 1
    print_report(report, sys.stdout, verbose=not args.quiet)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
