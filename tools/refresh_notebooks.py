"""Run the lesson notebooks and store their outputs: ``./run notebooks [paths…]``.

Outputs are stored only where nbval compares them: a cell tagged ``nbval-ignore-output``
or ``nbval-skip`` is saved without outputs, and widget state is dropped. The notebooks
run on a fresh bundled mock (a private TRKIT_HOME), so their SIDs are the seeded ones.
They run with every exercise solved, as nbval runs them; the exercise cells keep their
skeletons and get the solution's outputs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
UNSTORED = {"nbval-ignore-output", "nbval-skip"}


def refresh(path: Path) -> None:
    from trkit.exercises.notebooks import solved

    committed = nbformat.read(path, as_version=4)
    notebook = solved(committed, path.parent)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in notebook.cells:
        if cell.cell_type == "code" and UNSTORED & set(cell.metadata.get("tags", [])):
            cell.outputs = []
            cell.execution_count = None
    for ran, kept in zip(notebook.cells, committed.cells, strict=True):
        ran.source = kept.source  # the skeleton stays what the learner completes
    notebook.metadata.pop("widgets", None)
    # the kernel's own name for itself, as JupyterLab writes it when it opens the notebook: otherwise opening a
    # notebook marks it changed, and the learner's next save shows up in git status
    spec = KernelSpecManager().get_kernel_spec("python3")
    notebook.metadata["kernelspec"] = {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
    nbformat.write(notebook, path)


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    with tempfile.TemporaryDirectory() as home:
        os.environ["TRKIT_HOME"] = home  # a fresh mock, stopped with the directory's owner below
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TRKIT_BACKEND"):
            os.environ.pop(name, None)
        try:
            for path in paths:
                print(f"running {path.name}")
                refresh(path)
        finally:
            from trkit.shared_mock import stop_shared_mock

            stop_shared_mock(Path(home))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
