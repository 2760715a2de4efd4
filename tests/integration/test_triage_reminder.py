"""The triage task's reminder through the real SMTP connection: none on the first wait, then one per retry."""

from __future__ import annotations

import types

CONF = {"dataset": "transactions", "batch_date": "2026-03-14",
        "subject": "Critical finding on transactions 2026-03-14: row_count"}


def _context(try_number: int) -> dict:
    ti = types.SimpleNamespace(try_number=try_number)
    return {"ti": ti, "dag_run": types.SimpleNamespace(conf=CONF), "task": types.SimpleNamespace(retries=3)}


def test_the_first_wait_sends_nothing_and_each_timed_out_wait_a_reminder(stack_connections, monkeypatch):
    from dataops_airflow.notifiers.triage_reminder import TriageReminderNotifier

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ui.example:8080")
    sink = stack_connections["mail_sink"]
    notifier = TriageReminderNotifier(reminder_after=86400)
    notifier.notify(_context(1))
    assert sink.messages() == []
    notifier.notify(_context(2))
    notifier.notify(_context(4))
    subjects = [m["Subject"] for m in sink.messages()]
    assert subjects == [f"[REMINDER 1/3] {CONF['subject']}: unanswered for 24 h",
                        f"[REMINDER 3/3] {CONF['subject']}: unanswered for 72 h"], subjects
    last = sink.messages()[-1]
    assert last["To"] == "fraud-analysts@example.com"
    text = last.get_body(("plain",)).get_content()
    assert ("http://ui.example:8080/dags/quality_triage/runs/triage__transactions__2026-03-14/tasks/analyst_verdict/"
            "required_actions") in text and "handed to operations" in text
