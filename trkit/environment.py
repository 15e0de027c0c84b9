"""What set-up writes into the Python environment the notebooks run in (``./run`` and Binder's postBuild run
``python -m trkit.environment``): every kernel loads the kit's short errors and hints, JupyterLab does
not interrupt a learner with its news prompt, and Voilà serves the dashboard as a page that works offline."""

from __future__ import annotations

import json
import shutil
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


# Voilà loads every JupyterLab extension; jupyter-server-proxy's needs JupyterLab's file browser, which a Voilà
# page has not, and fails in the page's console
SERVER_PROXY_EXTENSION = "@jupyterhub/jupyter-server-proxy"
VOILA_TEMPLATE = "trkit"  # Voilà's lab template without its links to a CDN (trkit/voila_template)


def install_voila_config(prefix: str) -> list[str]:
    """The kit's Voilà template in ``prefix``'s Jupyter data, and Voilà's config choosing it and leaving out the
    extension that fails there, keeping whatever else the config says."""
    template = Path(prefix) / "share" / "jupyter" / "voila" / "templates" / VOILA_TEMPLATE
    shutil.copytree(Path(__file__).parent / "voila_template", template, dirs_exist_ok=True)
    path = Path(prefix) / "etc" / "jupyter" / "voila.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    config = json.loads(path.read_text()) if path.exists() else {}
    voila = config.setdefault("VoilaConfiguration", {})
    voila["template"] = VOILA_TEMPLATE
    denied = voila.get("extension_denylist") or []
    voila["extension_denylist"] = denied + [SERVER_PROXY_EXTENSION] * (SERVER_PROXY_EXTENSION not in denied)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return [str(template), str(path)]


def install(prefix: str) -> list[str]:
    return [install_hints(prefix), install_lab_config(prefix), *install_voila_config(prefix)]


if __name__ == "__main__":
    print("\n".join(install(sys.prefix)))
