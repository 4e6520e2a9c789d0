"""Waiting for the Accuracy tab's background score in AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def settle_score(at: AppTest, timeout: float = 30) -> AppTest:
    """Wait until the session's accuracy score has ended, then draw the page again."""
    from ui.state import ACCURACY_REPORT

    assert at.session_state[ACCURACY_REPORT].join(timeout), "the accuracy score did not end in time"
    return at.run()
