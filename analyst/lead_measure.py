"""A loaded table's lead measure, read from its data (``charts.roles.lead_measure_first``): one scan of the table
(a sample of a big one) for how its numbers vary and move together. The suggested questions and the prompt's
worked examples both start from it."""

from __future__ import annotations

from collections.abc import Sequence

from analyst.schema import SAMPLE_ROWS, quote_identifier
from charts.roles import MAX_CORRELATED, can_lead, lead_measure_first
from sandbox.database import SessionDatabase, TableInfo
from sandbox.syntax_tree import has_decimals


def build_sampled_rows(info: TableInfo) -> str:
    """The rows a profile reads, as a FROM item: the whole table, or about ``SAMPLE_ROWS`` of a bigger one."""
    table = quote_identifier(info.name)
    if info.rows <= SAMPLE_ROWS:
        return table
    share = max(0.01, 100 * SAMPLE_ROWS / info.rows)
    return f"(SELECT * FROM {table} USING SAMPLE {share:.2f} PERCENT (system))"


def load_measures_by_lead(
    db: SessionDatabase, info: TableInfo, measures: Sequence[str], only_when_led: bool = False
) -> tuple[str, ...]:
    """``measures`` (columns of ``info``, in the table's order) with the lead measure first (``lead_measure_first``,
    ``only_when_led`` too). The first ``MAX_CORRELATED`` are profiled; with fewer than two there is nothing to
    choose."""
    names = list(dict.fromkeys(measures))
    compared = names[:MAX_CORRELATED]
    if len(compared) < 2:
        return tuple(names)
    kinds = dict(info.columns)
    quoted = [quote_identifier(name) for name in compared]
    pairs = [(i, j) for i in range(len(compared)) for j in range(i + 1, len(compared))]
    cells = ["count(*)"] + [f"approx_count_distinct({q}), count({q})" for q in quoted]
    cells += [f"corr({quoted[i]}::DOUBLE, {quoted[j]}::DOUBLE)" for i, j in pairs]
    rows, *found = db.internal_query(f"SELECT {', '.join(cells)} FROM {build_sampled_rows(info)}")[0]
    fractional = [has_decimals(kinds.get(name, "")) for name in compared]
    eligible = {
        name
        for k, name in enumerate(compared)
        if can_lead(fractional[k], found[2 * k] or 0, found[2 * k + 1] or 0, rows or 0)
    }
    measured = found[2 * len(compared) :]
    correlations = {frozenset((compared[i], compared[j])): r for (i, j), r in zip(pairs, measured, strict=True)}
    return lead_measure_first(names, eligible, correlations, only_when_led)
