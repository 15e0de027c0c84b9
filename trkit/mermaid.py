"""A picture written in Mermaid: JupyterLab draws it from Markdown output, nbval compares its text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class MermaidPicture:
    source: str  # the Mermaid text

    def __repr__(self) -> str:
        return self.source

    def _repr_markdown_(self) -> str:
        return f"```mermaid\n{self.source}\n```"
