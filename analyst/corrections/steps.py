"""The app's own corrections of a model's query, as steps run in one order.

1. **Before the query runs** (``BEFORE_RUNNING``), each step edits the SQL the step before it returned: the clock
   is set to the data's end (``clock``), then the query is fitted to what the conversation asked (``fit``). When
   the corrected SQL fails, the SQL as the model sent it runs instead, so that a repair sees the model's own error.
2. **When DuckDB refuses the query** (``ON_ERROR``), the first step that reads the fix in DuckDB's message: a
   made-up column with one close name (``column``), a made-up column compared with texts that one column holds
   (``value``), a year compared with a date (``year``), a map drawn with spatial functions (``spatial``). The
   pipeline runs the corrected SQL at once, a few times at most, without a model call.
3. **When the query found nothing** (``ON_NOTHING_FOUND``): a text compared with the wrong column or in the wrong
   spelling (``value``); the correction is kept only when it finds something.

Asking the model to repair its SQL with DuckDB's message comes after all of these, in the pipeline.
"""

from __future__ import annotations

from analyst.corrections.clock import correct_clock
from analyst.corrections.column import correct_column
from analyst.corrections.fit import correct_to_question
from analyst.corrections.situation import Correction, Situation, Step
from analyst.corrections.spatial import correct_spatial
from analyst.corrections.value import correct_column_by_value, correct_value
from analyst.corrections.year import correct_year

BEFORE_RUNNING: tuple[Step, ...] = (correct_clock, correct_to_question)
ON_ERROR: tuple[Step, ...] = (correct_column, correct_column_by_value, correct_year, correct_spatial)
ON_NOTHING_FOUND: tuple[Step, ...] = (correct_value,)


def correct_before_running(situation: Situation, steps: tuple[Step, ...] = BEFORE_RUNNING) -> Correction | None:
    """Every step in turn, each on the SQL the one before returned; their reasons joined, or None if none applied."""
    sql, reasons = situation.sql, []
    for step in steps:
        correction = step(situation.with_sql(sql))
        if correction is not None:
            sql = correction.sql
            reasons.append(correction.reason)
    return Correction(sql, "; ".join(reasons)) if reasons else None


def first_correction(situation: Situation, steps: tuple[Step, ...]) -> Correction | None:
    """The correction of the first step that has one (``ON_ERROR``, ``ON_NOTHING_FOUND``)."""
    for step in steps:
        correction = step(situation)
        if correction is not None:
            return correction
    return None
