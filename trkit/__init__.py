"""trkit: a TaskRouter tutorial kit with a bundled, faithful mock TaskRouter."""

__version__ = "0.1.0"
