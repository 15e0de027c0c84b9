"""Benchmarks of the mock: run ``python -m bench`` (figures printed and written as JSON)."""
