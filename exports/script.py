"""A Python script that reproduces a conversation's queries and charts with DuckDB and Altair.

Everything that came from the model or the person (SQL, questions) goes into the script as data — a
string literal or a one-line comment — never as code, so running an export runs only what is written here.
The script is in the "percent" format (``# %%`` cells): Jupyter (with jupytext) and VS Code open it as a
notebook.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from analyst.answer import Answer, ChartPart, MetricPart, TablePart
from exports.markdown import one_line

SCRIPT_NAME = "reproduce.py"
DATA_FOLDER = "data"
CHART_FOLDER = "charts"
OUTPUT_FOLDER = "output"


def chart_file(number: int) -> str:
    return f"{CHART_FOLDER}/answer-{number}.vl.json"


def build_chart_template(spec: dict[str, Any]) -> dict[str, Any]:
    """The chart's Vega-Lite spec without the result rows (the script supplies them from its own query)."""
    return {key: value for key, value in spec.items() if key not in ("data", "datasets")}


def _control(character: str) -> bool:
    """Characters that are not text in source code: NUL and other controls, line and paragraph separators."""
    return unicodedata.category(character) in ("Cc", "Zl", "Zp") and character not in "\n\t"


def python_string(text: str) -> str:
    """A string literal for ``text``: triple-quoted when that is safe and easier to read, else repr()."""
    unsafe = '"""' in text or "\\" in text or text.endswith('"') or any(_control(c) for c in text)
    if unsafe or "\n" not in text.strip():
        return repr(text.strip())
    return '"""\n' + text.strip() + '\n"""'


def comment_text(text: str) -> str:
    """``text`` on one line that a ``#`` comment can hold: no line breaks, NUL or other control characters."""
    return one_line("".join(" " if _control(c) or c in "\n\t" else c for c in str(text)))


def _comment(text: str) -> str:
    return "# " + comment_text(text)


HEADER = '''"""Reproduces a conversation from "Chat with your data", exported {exported_at:%Y-%m-%d %H:%M} UTC.

Run it next to the exported data folder:
    pip install -r requirements.txt && python {script}
Each query runs on DuckDB over the exported tables; each result is written to {output}/answer-N.csv
and each chart, rebuilt with Altair from that result, to {output}/answer-N.png and .html.
"""

# %%
import json
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "{output}"
OUTPUT.mkdir(exist_ok=True)
alt.data_transformers.disable_max_rows()  # the app capped results at 5,000 rows; this script does not

TABLES = {tables}
MISSING = {missing}

con = duckdb.connect()
for name in TABLES:
    con.read_parquet(str(HERE / "{data}" / f"{{name}}.parquet")).create(name)
for name, why in MISSING.items():
    path = HERE / "{data}" / f"{{name}}.parquet"
    if not path.exists():
        raise SystemExit(f"Table {{name}} was not exported ({{why}}). Put a copy at {{path}} and run again.")
    con.read_parquet(str(path)).create(name)


def keep(number: int, result: pd.DataFrame, rows_in_conversation: int) -> pd.DataFrame:
    """Write the result to CSV and say whether it has as many rows as it had in the conversation."""
    result.to_csv(OUTPUT / f"answer-{{number}}.csv", index=False)
    same = len(result) == rows_in_conversation
    verdict = "as in the conversation" if same else f"the conversation had {{rows_in_conversation:,}}"
    print(f"Answer {{number}}: {{len(result):,}} row{{'' if len(result) == 1 else 's'}} ({{verdict}})")
    return result


def draw(number: int, result: pd.DataFrame) -> alt.TopLevelMixin:
    """The conversation's chart for this answer, drawn from the result just computed, saved as PNG and as
    HTML that works offline (Vega's JavaScript is inside)."""
    spec = json.loads((HERE / "{charts}" / f"answer-{{number}}.vl.json").read_text())
    if spec.get("width") == "container":  # the app's page sets the width; a file needs one
        spec["width"] = 720
    # Altair reads inline rows one by one when it builds a chart from a spec (seconds for the map's land
    # outline): a layer's own rows are set aside and given back afterwards.
    layers = enumerate(spec.get("layer", []))
    inline = {{n: layer.pop("data") for n, layer in layers if "values" in (layer.get("data") or {{}})}}
    chart = alt.Chart.from_dict({{**spec, "data": {{"values": []}}}}).properties(data=result)  # Chart or LayerChart
    for n, data in inline.items():
        chart.layer[n].data = alt.InlineData(**data)
    chart.save(str(OUTPUT / f"answer-{{number}}.html"), inline=True)
    chart.save(str(OUTPUT / f"answer-{{number}}.png"), scale_factor=2)
    return chart
'''


def build_answer_cell(number: int, answer: Answer) -> str:
    table = answer.table
    lines = ["# %% [markdown]", f"# ## {number}. {comment_text(answer.question)}", "", "# %%"]
    if table is None:
        why = answer.error or "no query was run"
        return "\n".join([*lines, _comment(f"No result to reproduce: {why}")])
    lines += [
        f"sql_{number} = {python_string(table.sql)}",
        f"result_{number} = keep({number}, con.sql(sql_{number}).df(), rows_in_conversation={table.total_rows})",
    ]
    metrics = answer.of_type(MetricPart)
    if metrics:
        column = metrics[-1].label
        lines.append(f"print({column!r}, result_{number}[{column!r}].iloc[0])")
    if answer.of_type(ChartPart):
        lines.append(f"chart_{number} = draw({number}, result_{number})")
    lines.append(f"print(result_{number}.head(10))")
    return "\n".join(lines)


def build_script(
    history: Sequence[Answer], exported_at: datetime, tables: Sequence[str], missing: Mapping[str, str]
) -> str:
    """The whole script: set-up cell, then one cell per question (numbered as in the Markdown report).

    ``tables`` are exported as Parquet under ``data/``; ``missing`` maps tables that were not to the reason."""
    header = HEADER.format(
        exported_at=exported_at,
        script=SCRIPT_NAME,
        output=OUTPUT_FOLDER,
        data=DATA_FOLDER,
        charts=CHART_FOLDER,
        tables=repr(list(tables)),
        missing=repr(dict(missing)),
    )
    cells, number = [header.rstrip()], 0
    for answer in history:
        if answer.is_attachment:
            continue
        number += 1
        cells.append(build_answer_cell(number, answer))
    return "\n\n\n".join(cells) + "\n"


def answers_with_tables(history: Sequence[Answer]) -> list[TablePart]:
    return [a.table for a in history if not a.is_attachment and a.table is not None]
