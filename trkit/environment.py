"""What set-up writes into the Python environment the notebooks run in (``./run`` and Binder's postBuild run
``python -m trkit.environment``): every kernel loads the kit's short errors and hints, and JupyterLab does
not interrupt a learner with its news prompt."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .hints import install as install_hints

# JupyterLab's "get notified about Jupyter news?" prompt: a plugin, disabled in the environment's page config
NEWS_PROMPT = "@jupyterlab/apputils-extension:announcements"


def install_lab_config(prefix: str) -> str:
    """Disable the news prompt in ``prefix``'s JupyterLab page config, keeping whatever else it says."""
    path = Path(prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    config = json.loads(path.read_text()) if path.exists() else {}
    config.setdefault("disabledExtensions", {})[NEWS_PROMPT] = True
    path.write_text(json.dumps(config, indent=2) + "\n")
    return str(path)


def install(prefix: str) -> list[str]:
    return [install_hints(prefix), install_lab_config(prefix)]


if __name__ == "__main__":
    print("\n".join(install(sys.prefix)))
