"""An IPython extension every kernel of the kit's environment loads (set-up installs it in
``{sys.prefix}/etc/ipython``: ``python -m trkit.environment``): short errors from the very first cell, and the right hint when a
cell needs a variable an earlier cell makes — the usual sight after a kernel restart."""

from __future__ import annotations


def load_ipython_extension(shell) -> None:
    from .errors import install_notebook_handler

    install_notebook_handler(shell)


KERNEL_CONFIG = 'c.InteractiveShellApp.extensions = ["trkit.hints"]\n'


def install(prefix: str) -> str:
    """Write the kernel config that loads this extension into ``prefix`` (a virtualenv or conda env)."""
    from pathlib import Path

    path = Path(prefix) / "etc" / "ipython" / "ipython_kernel_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# written by trkit's set-up: every kernel here loads the kit's short errors and hints\n" + KERNEL_CONFIG)
    return str(path)
