"""TaskRouter's language, shared by the mock and the kit: expressions, workflow configuration,
the vocabulary (statuses, event types, reasons) and eligibility (who may take what, and why not).

Nothing here knows about HTTP, storage or the kit; both the mock's engine and ``trkit.explain``
build on it, so routing and its explanation follow one rule.
"""
