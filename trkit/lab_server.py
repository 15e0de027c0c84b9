"""JupyterLab as ``./run lab`` starts it: ``python -m trkit.lab_server [JupyterLab's options]``.

It is JupyterLab's own entry point without DeprecationWarnings the learner can do nothing about. notebook_shim
(which JupyterLab installs) reads every attribute of the server when it links, the deprecated
``ServerApp.token`` among them; Python would not show that warning, but importing Voilà (a server extension
here) adds a filter that shows every DeprecationWarning traitlets raises. Voilà is imported first with that
filter undone, and the one about the token is left out in any case.
"""

from __future__ import annotations

import sys
import warnings

with warnings.catch_warnings():  # the filters as they were when the block ends: Voilà's is gone
    warnings.simplefilter("ignore", DeprecationWarning)
    import voila  # noqa: F401

warnings.filterwarnings("ignore", message="ServerApp.token config is deprecated", category=DeprecationWarning)


def main() -> int | None:
    from jupyterlab.labapp import main as jupyterlab_main

    return jupyterlab_main()


if __name__ == "__main__":
    sys.exit(main())
