"""What the built site must be, checked without a browser: every internal link and picture resolves (anchors
included), external links are listed and never fetched, and no page with what it loads weighs over 2 MB."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PAGE_LIMIT = 2 * 1024 * 1024
LOADED = {("img", "src"), ("script", "src"), ("source", "src"), ("iframe", "src")}
LOADED_LINKS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut icon", "manifest"}  # <link rel=…> that fetch


class PageReader(HTMLParser):
    """A page's links, the resources it loads and the anchors it offers."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loads: list[str] = []
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.anchors.add(value)
            if value is None or name not in ("href", "src"):
                continue
            fetched = (tag, name) in LOADED or (tag == "link" and dict(attrs).get("rel") in LOADED_LINKS)
            if fetched:
                self.loads.append(value)
            else:
                self.links.append(value)


def read_page(path: Path) -> PageReader:
    reader = PageReader()
    reader.feed(path.read_text(errors="replace"))
    return reader


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def resolve(page: Path, url: str) -> tuple[Path, str]:
    """The file an internal link points at, and its fragment."""
    parts = urlsplit(url)
    if not parts.path:
        return page, parts.fragment
    target = (page.parent / unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


class SiteCheck:
    """Reads every page of a built site once."""

    def __init__(self, site: Path) -> None:
        self.site = site.resolve()
        self.pages = {path.resolve(): read_page(path) for path in sorted(self.site.rglob("*.html"))}

    def broken(self) -> list[str]:
        """Each internal link, picture, script or style sheet that leads nowhere, as 'page: url (why)'."""
        problems = []
        for page, reader in self.pages.items():
            for url in reader.links + reader.loads:
                if is_external(url) or url.startswith(("data:", "javascript:")):
                    continue
                target, fragment = resolve(page, url)
                where = f"{page.relative_to(self.site)}: {url}"
                if self.site not in target.parents and target != self.site:
                    problems.append(f"{where} (outside the site)")
                elif not target.exists():
                    problems.append(f"{where} (no such file)")
                elif fragment and target.suffix == ".html" and fragment not in self.pages[target].anchors:
                    problems.append(f"{where} (no anchor #{fragment} there)")
        return problems

    def external_links(self) -> list[str]:
        return sorted({url for reader in self.pages.values() for url in reader.links if is_external(url)})

    def external_loads(self) -> list[str]:
        """What a page would fetch from another site: nothing, for a site that works offline."""
        return sorted({f"{page.relative_to(self.site)}: {url}" for page, reader in self.pages.items()
                       for url in reader.loads if is_external(url)})

    def weights(self) -> dict[str, int]:
        """Each page's bytes with everything it loads from the site (pictures, scripts, style sheets)."""
        weights = {}
        for page, reader in self.pages.items():
            loaded = {resolve(page, url)[0] for url in reader.loads if not is_external(url) and not url.startswith("data:")}
            weights[str(page.relative_to(self.site))] = page.stat().st_size + sum(p.stat().st_size for p in loaded if p.is_file())
        return weights

    def too_heavy(self) -> list[str]:
        return [f"{name}: {size / 1024 / 1024:.2f} MB" for name, size in self.weights().items() if size > PAGE_LIMIT]
