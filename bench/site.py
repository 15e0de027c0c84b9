"""The static site's build (``./run site``): how long Sphinx takes over the committed pages, and how heavy the
heaviest page is with what it loads. Both targets are the issue's absolute ones (60 s on 2 cores, 2 MB)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def site_build() -> dict:
    sys.path.insert(0, str(ROOT / "tools"))
    from site_build import build
    from site_check import SiteCheck

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        problems = build(Path(tmp) / "site", Path(tmp) / "sources")
        seconds = time.perf_counter() - started
        weights = SiteCheck(Path(tmp) / "site").weights()
    heaviest = max(weights, key=weights.get)
    return {"seconds": round(seconds, 1), "pages": len(weights), "problems": problems,
            "heaviest_page": heaviest, "heaviest_mb": round(weights[heaviest] / 1024 / 1024, 2)}
