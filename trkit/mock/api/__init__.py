"""TaskRouter v1's REST surface over the engine: a Flask blueprint per resource family."""

from .app import create_app, routes

__all__ = ["create_app", "routes"]
