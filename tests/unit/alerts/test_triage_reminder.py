"""The reminder of an unanswered triage action."""

from __future__ import annotations

from datetime import UTC, datetime

from dataops.alerts.reminder import build_reminder

CONF = {"dataset": "transactions", "batch_date": "2026-03-14",
        "subject": "Critical finding on transactions 2026-03-14: row_count"}
URL = "http://ui:8080/dags/quality_triage/runs/triage__transactions__2026-03-14/tasks/analyst_verdict/required_actions"


def test_the_reminder_links_to_the_action_and_counts_the_wait():
    msg = build_reminder(CONF, action_url=URL, waited_hours=24, reminder=1, reminders=3, sender="dataops@localhost",
                         recipients=["fraud-analysts@example.com"], now=datetime(2026, 3, 15, tzinfo=UTC))
    assert msg["Subject"] == ("[REMINDER 1/3] Critical finding on transactions 2026-03-14: row_count: "
                              "unanswered for 24 h")
    assert msg["To"] == "fraud-analysts@example.com"
    text = msg.get_body(("plain",)).get_content()
    assert URL in text and "last reminder" not in text
    assert f'href="{URL}"' in msg.get_body(("html",)).get_content()


def test_the_last_reminder_says_operations_take_over():
    msg = build_reminder(CONF, action_url=URL, waited_hours=72, reminder=3, reminders=3, sender="dataops@localhost",
                         recipients=["a@example.com"])
    assert "handed to operations" in msg.get_body(("plain",)).get_content()
