"""``./run site [--serve] [--port N] [--out DIR]``: the tutorial as a static site, from the committed files.

Stages the pages (tools/site_pages.py), has Sphinx with MyST-NB turn them into HTML without executing a
notebook, then checks the result (tools/site_check.py): any internal link or picture that leads nowhere, any
page that would fetch from another site or weighs over 2 MB, fails the build. The external links are listed in
``external-links.txt`` in the built folder, not fetched. ``--serve`` then serves the folder on loopback.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from site_check import SiteCheck  # noqa: E402
from site_pages import SiteError, Stager  # noqa: E402

SOURCES = ROOT / "build" / "site-sources"
OUT = ROOT / "build" / "site"


def build(out: Path, sources: Path) -> list[str]:
    """Build the site into ``out``; the problems found (none: the site is good)."""
    Stager(sources).stage()
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-j", "auto", "-W", "--keep-going",
               str(sources), str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return [line for line in (done.stderr or done.stdout).splitlines() if line.strip()] or [f"sphinx exited {done.returncode}"]
    # what no page uses: Sphinx's build record, the Jinja macro files the theme ships among its static files, and
    # Font Awesome's script (site/_templates/static/webpack-macros.html leaves it out)
    for leftover in [out / ".buildinfo", *(out / "_static").glob("*.html"), *(out / "_static" / "scripts").glob("fontawesome.js*")]:
        leftover.unlink(missing_ok=True)
    check = SiteCheck(out)
    (out / "external-links.txt").write_text("".join(f"{url}\n" for url in check.external_links()))
    return ([f"broken: {p}" for p in check.broken()] + [f"fetches from another site: {p}" for p in check.external_loads()]
            + [f"over 2 MB: {p}" for p in check.too_heavy()])


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # its caller reports what went wrong itself
        pass


def site_server(out: Path, port: int = 0, quiet: bool = False) -> http.server.ThreadingHTTPServer:
    """A static file server of the built site on loopback (port 0: any free one), not yet serving."""
    handler = functools.partial(QuietHandler if quiet else http.server.SimpleHTTPRequestHandler, directory=str(out))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(out: Path, port: int) -> None:
    with site_server(out, port) as server:
        print(f"serving the site at http://127.0.0.1:{port}/README.html (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./run site", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the built site goes (default build/site)")
    parser.add_argument("--serve", action="store_true", help="serve the built site on loopback afterwards")
    parser.add_argument("--port", type=int, default=8000)
    options = parser.parse_args(argv)
    started = time.monotonic()
    try:
        problems = build(options.out, options.out.parent / (options.out.name + "-sources"))
    except SiteError as error:
        print(f"site not built: {error}", file=sys.stderr)
        return 1
    if problems:
        print("site not built:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    pages = len(list(options.out.rglob("*.html")))
    print(f"site built in {time.monotonic() - started:.1f} s: {pages} pages in {options.out} "
          f"(external links listed, not fetched: {options.out / 'external-links.txt'})")
    if options.serve:
        serve(options.out, options.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
