"""The mutation report's one automatic judgement: a mutant that only changes the case of SQL is equivalent."""

from __future__ import annotations

import pytest
from mutation_report import sql_case_only


@pytest.mark.parametrize(("change", "equivalent"), [
    ('db.execute("DELETE FROM events WHERE workspace_sid=?", (ws,)) → db.execute("delete from events where workspace_sid=?", (ws,))', True),
    ('where = ["e.workspace_sid=?", "e.event_date>=?"] → where = ["E.WORKSPACE_SID=?", "e.event_date>=?"]', True),
    ('db.execute("PRAGMA quick_check") → db.execute("PRAGMA QUICK_CHECK")', True),
    # a quoted value is compared as it is: 'TABLE' is another value
    ('db.execute("SELECT name FROM sqlite_master WHERE type=\'table\'") → db.execute("SELECT NAME FROM SQLITE_MASTER WHERE TYPE=\'TABLE\'")', False),
    # not SQL: the case of a word a person reads, or a key, matters
    ('reasons.append("the queue has no target workers") → reasons.append("THE QUEUE HAS NO TARGET WORKERS")', False),
    ('params["CallStatus"] = "initiated" → params["callstatus"] = "initiated"', False),
    ('db.execute("DELETE FROM events") → db.execute("XXDELETE FROM eventsXX")', False),
    ('x = "SELECT 1" → x = "SELECT 1"', False),
])
def test_only_a_change_of_case_in_sql_is_equivalent(change, equivalent):
    assert sql_case_only(change) is equivalent
