"""The one error the language raises: a document or expression a client sent is not valid."""

from __future__ import annotations


class LanguageError(ValueError):
    """An invalid JSON document, workflow configuration or expression; the message names the parameter.

    The mock answers it as TaskRouter does (400, code 20001); the kit shows the message as is.
    """
