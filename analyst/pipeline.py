"""One question, end to end: SQL from the model, the sandboxed query, the app's corrections (``analyst.corrections``,
in their documented order), repairs by the model, chart and insight.

The answer queue (``analyst.answer_queue``) calls ``answer_question`` on its worker thread. It never raises for a
failure the person should see: every failure becomes an ``ErrorPart`` or ``NoticePart`` in the answer, and the
caller's history and data are untouched.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from difflib import get_close_matches
from typing import Any

import pandas as pd

from analyst.answer import (
    Answer,
    CallRecord,
    ChartPart,
    ErrorPart,
    MetricPart,
    NoticePart,
    Part,
    SqlPart,
    TablePart,
    TextPart,
)
from analyst.corrections.fit import example_values
from analyst.corrections.situation import Conversation, Correction, Situation
from analyst.corrections.steps import ON_ERROR, ON_NOTHING_FOUND, correct_before_running, first_correction
from analyst.data_time import covered, span_of
from analyst.insight import build_result_summary
from analyst.insight_check import Problem, ResultFacts, grouped_outputs, supported_text, unsupported
from analyst.model_text import remove_remote_content
from analyst.parsing import ParsedReply, is_bare_value, parse_reply
from analyst.prompt_context import load_schema_context
from analyst.prompts import (
    Message,
    build_format_repair_messages,
    build_fresh_repair_messages,
    build_insight_messages,
    build_repair_messages,
    build_sql_messages,
)
from analyst.rated_examples import with_rated_examples
from analyst.schema import is_numeric_type
from analyst.sql_description import describe_sql
from charts.choice import TIME_PARTS, build_chart
from charts.roles import with_numbers
from providers.client import Completion, ModelClient, StopRequested
from providers.errors import ProviderError
from providers.retry import RetryNotice
from sandbox.database import QueryError, QueryResult, SessionDatabase
from sandbox.guard import first_keyword
from sandbox.syntax_tree import parse_tree

NO_ROWS = (
    "The query returned no rows. Try loosening a filter (a lower magnitude, a wider time range) "
    "or check the spelling of place names."
)
NOT_ABOUT_THE_DATA = (
    "No query was run: the reply had no SQL. If the question is not about the loaded tables, ask about their "
    "columns (the Explore page lists them) or add a table of your own; otherwise rephrase it or ask again."
)
NO_INSIGHT = "The model wrote no insight for this result: the table and chart above are the answer."
ALL_LEFT_OUT = "Nothing of the model's insight could be kept (see above): the table and chart are the answer."
NO_SUCH_DATA = (
    "The loaded tables ({loaded}) hold no table like {table}, which this question needs, so they cannot answer it."
)
NO_SUCH_DATA_NOTE = (
    "The model's query read a table that is not loaded (see SQL). Attach a file with that data, or ask about the "
    "loaded tables: the Explore page lists their columns."
)
MAX_REPLY_CHARS = 20_000  # a reply longer than this is broken, not an answer: keep the page and parser light
SHORTENED = "\n\n(reply shortened)"
EDITED_NOTE = "Showing the result of your edited SQL; the insight was written for the model's query."
PROPOSED_CHANGE = (
    "The model proposed a change to the data ({statement}), not a query. Nothing ran: this app only reads the "
    "loaded tables. Ask about what you want to see instead, for example the rows such a change would touch."
)
STOPPED = "Stopped before it finished: below is what it had finished."
STOPPED_INSIGHT = "Stopped while the insight was being written."


MAX_APP_CORRECTIONS = 3  # corrections the app makes itself on DuckDB errors, per attempt


def metric_part(frame: Any) -> MetricPart:
    """A one-row result's value, large, with what it is about: "n · day 2018-02-04", not a bare "n" that hides the
    day."""
    column = metric_column(frame)
    keys = [
        f"{c} {_shown_key(frame[c].iloc[0])}"
        for c in frame.columns
        if str(c) != column and frame[c].iloc[0] is not None and not _is_number(frame[c].iloc[0])
    ]
    return MetricPart(column, frame[column].iloc[0], ", ".join(keys))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _shown_key(value: Any) -> str:
    """A key as a person reads it: a midnight timestamp as its date."""
    if isinstance(value, datetime.datetime | pd.Timestamp) and value == pd.Timestamp(value).normalize():
        return f"{value:%Y-%m-%d}"
    return str(value)


def metric_column(frame: Any) -> str:
    """The value a one-row result is about: its last numeric column that is not a date part (a HUGEINT sum or a
    DECIMAL is a number too)."""
    numbers = [str(c) for c in with_numbers(frame).select_dtypes("number").columns]
    values = [c for c in numbers if c.lower() not in TIME_PARTS]
    return (values or numbers)[-1]


def safe_part(part: Part) -> Part:
    """``part`` with no text that could make a browser load a URL, as it is stored (and exported, saved, compared).
    Error messages need it too: DuckDB quotes the model's identifiers back ("Table with name ![x](http://…) does not
    exist"). How each part's text is shown is its type's ``markdown`` (no heading, link or list from any of it)."""
    if isinstance(part, TextPart | NoticePart):
        return replace(part, text=remove_remote_content(part.text))
    if isinstance(part, ErrorPart):
        return replace(part, message=remove_remote_content(part.message))
    if isinstance(part, SqlPart) and part.error:
        return replace(part, error=remove_remote_content(part.error))
    return part


def similar_names(name: str, loaded: list[str]) -> bool:
    """Whether ``name`` reads as a misspelling of a loaded table's (``earthquake``, ``quakes``, ``Earthquakes``)."""
    lowered = name.lower()
    tables = [t.lower() for t in loaded]
    return bool(get_close_matches(lowered, tables, n=1, cutoff=0.6)) or any(
        lowered in t or t in lowered for t in tables
    )


def load_table_part(result: QueryResult, db: SessionDatabase) -> TablePart:
    """The result with a plain-words account of what its SQL computed (from DuckDB's parse, not the model)."""
    return TablePart(result.frame, result.total_rows, result.sql, describe_sql(result.sql, db.internal_query))


def shorten(text: str) -> str:
    return text if len(text) <= MAX_REPLY_CHARS else text[: MAX_REPLY_CHARS - len(SHORTENED)] + SHORTENED


def _ignore(*_: Any) -> None:
    return None


@dataclass(frozen=True)
class PipelineOptions:
    max_repairs: int = 2
    share_rows: bool = True
    insight_rows: int = 20
    history_turns: int = 4
    sql_max_tokens: int = 600
    insight_max_tokens: int = 220
    write_insight: bool = True
    checked_sql: str = ""  # a suggestion's SQL, checked by the app on this data: it answers without a model call


def _never() -> bool:
    return False


@dataclass
class Events:
    """What the page hears while an answer is being made, and how it asks the answer to stop."""

    on_stage: Callable[[str], None] = _ignore
    on_retry: Callable[[RetryNotice], None] = _ignore
    on_insight: Callable[[str], None] = _ignore
    on_sql: Callable[[str], None] = _ignore  # the SQL about to run, as soon as it is read from the reply
    on_update: Callable[[Answer], None] = _ignore  # the answer so far, each time a part is finished
    should_stop: Callable[[], bool] = _never


class AnswerStopped(Exception):
    """The person stopped the answer; what was finished stays."""


@dataclass
class _QuestionRun:
    db: SessionDatabase
    client: ModelClient
    options: PipelineOptions
    events: Events
    answer: Answer
    attempts: list[SqlPart] = field(default_factory=list)
    notices: list[NoticePart] = field(default_factory=list)
    body: list[Part] = field(default_factory=list)  # the finished result parts: insight, chart, table
    streamed: list[str] = field(default_factory=list)  # the insight so far, kept if the person stops it
    refused_change: bool = False  # the last statement tried would have changed something
    unknown_table: str | None = None  # the last statement tried read a table that is not loaded
    conversation: Conversation = Conversation("")  # what the corrections may read besides the SQL

    def checkpoint(self) -> None:
        if self.events.should_stop():
            raise AnswerStopped

    def publish(self) -> None:
        """Show what is finished so far, in display order."""
        self.answer.parts = [safe_part(p) for p in [*self.notices, *self.body, *self.attempts]]
        self.events.on_update(self.answer)

    def on_text(self, piece: str) -> None:
        if self.events.should_stop():
            raise StopRequested
        self.streamed.append(piece)
        self.events.on_insight(piece)

    def call(self, purpose: str, messages: list[Message], max_tokens: int, stream: bool = False) -> Completion:
        self.checkpoint()
        completion = self.client.complete(
            messages,
            max_tokens=max_tokens,
            on_retry=self.events.on_retry,
            on_text=self.on_text if stream else None,
            about=f"{purpose}: {self.answer.question}",
        )
        self.answer.calls.append(
            CallRecord(
                purpose,
                completion.model,
                completion.latency_s,
                completion.prompt_tokens,
                completion.completion_tokens,
                completion.retries,
                list(messages),
            )
        )
        self.publish()
        self.checkpoint()
        return completion

    def run(self, history: list[Answer]) -> None:
        if self.options.checked_sql:
            self.run_checked(self.options.checked_sql)
            return
        self.events.on_stage("Writing SQL…")
        question = self.answer.question
        turns = self.options.history_turns
        kept = [a for a in history if not a.is_attachment][-turns:] if turns else []
        earlier_questions = "\n".join(a.question for a in kept)
        context = with_rated_examples(load_schema_context(self.db, question, earlier_questions), history, question)
        self.conversation = Conversation(
            asked="\n".join([*(a.question for a in kept), question]),
            example_values=example_values((sql for _, sql, _ in context.examples), self.db),
            earlier_values=example_values((a.final_sql for a in kept if a.final_sql), self.db),
            earlier_sql=(kept[-1].final_sql or "") if kept else "",
        )
        messages = build_sql_messages(context, history, question, self.options.history_turns)
        completion = self.call("sql", messages, self.options.sql_max_tokens)
        reply = shorten(completion.text)
        parsed = parse_reply(reply)
        if not parsed.sql and (not parsed.text or is_bare_value(parsed.text)) and self.options.max_repairs:
            # Only a chart line, a bare number, or nothing: the model lost the format or guessed; it did not
            # decline. Ask once for the SQL.
            self.events.on_stage("Asking again for the SQL…")
            messages = build_format_repair_messages(messages, reply)
            reply = shorten(self.call("repair", messages, self.options.sql_max_tokens).text)
            again = parse_reply(reply)
            parsed = ParsedReply(again.sql, again.chart or parsed.chart, again.text)
        if not parsed.sql:
            text = (parsed.text or reply).strip()
            reply_text = TextPart(text, by_model=True) if text else TextPart("The model sent an empty reply.")
            self.finish([reply_text, NoticePart(NOT_ABOUT_THE_DATA)])
            return
        outcome = self.query_with_repairs(messages, reply, parsed)
        if outcome is not None:
            result, final_reply = outcome
            self.finish(self.result_parts(result, final_reply))

    def run_checked(self, sql: str) -> None:
        """A suggested question: its SQL was checked on this data when it was suggested; it runs through the same
        sandbox now, and only the insight is the model's."""
        self.events.on_sql(sql)
        self.events.on_stage("Running the query…")
        try:
            result = self.db.run_query(sql)
        except QueryError as error:  # the data changed since it was suggested
            self.record(SqlPart(sql, 0, error.message, SUGGESTED))
            self.finish([ErrorPart(f"The suggested query no longer runs: {error.message}")])
            return
        self.record(SqlPart(result.sql, 0, None, SUGGESTED))
        self.finish(self.result_parts(result, ParsedReply(result.sql, None, "")))

    def query_with_repairs(
        self, messages: list[Message], reply: str, parsed: ParsedReply
    ) -> tuple[QueryResult, ParsedReply] | None:
        """Run the SQL with the app's corrections; on a DuckDB error send it back to the model, at most
        ``max_repairs`` times.

        A repair that sends back a query that already failed is not run again, and the next repair
        starts a fresh conversation that names the failing line instead of repeating the same request."""
        repairs = self.options.max_repairs
        failed: dict[str, str] = {}  # every query that failed (whitespace aside) -> DuckDB's message
        for attempt in range(repairs + 1):
            sql = parsed.sql or ""
            key = " ".join(sql.split())
            repeated = key in failed
            if repeated:
                message = failed[key]
                self.record(SqlPart(sql, attempt, f"{message}\n(The model sent the same query again; not rerun.)"))
            else:
                outcome = self.run_corrected(sql, attempt, failed)
                if isinstance(outcome, QueryResult):
                    return outcome, parsed
                sql, message = outcome
                if self.refused_change:  # never repaired into a query the model did not propose
                    self.finish([ErrorPart(PROPOSED_CHANGE.format(statement=first_keyword(sql)))])
                    return None
                missing = self.missing_data()
                if missing:  # a repair would only force the question onto tables that do not hold its data
                    self.finish([TextPart(missing), NoticePart(NO_SUCH_DATA_NOTE)])
                    return None
            if attempt == repairs:
                tries = "after the first try" if repairs == 0 else f"after {repairs} repairs"
                self.finish([ErrorPart(f"The query still failed {tries}: {message}")])
                return None
            self.events.on_stage(f"Repairing the SQL (attempt {attempt + 1} of {repairs})…")
            if repeated:
                context = load_schema_context(self.db, self.answer.question)
                messages = build_fresh_repair_messages(context, self.answer.question, sql, message)
            else:
                # When the app corrected the model's SQL, the model is shown the query that actually failed.
                failing = reply if sql == parsed.sql else f"```sql\n{sql}\n```"
                messages = build_repair_messages(messages, failing, message)
            reply = shorten(self.call("repair", messages, self.options.sql_max_tokens).text)
            repaired = parse_reply(reply)
            if not repaired.sql:
                self.finish([ErrorPart(f"The model did not send a corrected query. DuckDB said: {message}")])
                return None
            parsed = repaired if repaired.chart else ParsedReply(repaired.sql, parsed.chart, repaired.text)
        return None

    def run_corrected(self, sql: str, attempt: int, failed: dict[str, str]) -> QueryResult | tuple[str, str]:
        """Run one attempt with the app's own corrections, in their order (``analyst.corrections.steps``): fitted
        before it runs; on a DuckDB error whose message names the fix, corrected and run again at once (a few times
        at most, without a model call); when it finds nothing, rerun corrected if a text was compared with the
        wrong column. Returns the result, or the last SQL tried and DuckDB's message."""
        note, fixes = None, 0
        while True:
            self.events.on_sql(sql)
            self.events.on_stage("Running the query…")
            try:
                result, fitted = self.run_fitted(sql)
            except QueryError as error:
                self.refused_change = error.changes_something
                self.unknown_table = error.unknown_table
                failed[" ".join(sql.split())] = error.message
                self.record(SqlPart(sql, attempt, error.message, note))
                fix = self.correct_error(sql, error.message) if fixes < MAX_APP_CORRECTIONS else None
                if fix is None or " ".join(fix.sql.split()) in failed:
                    return sql, error.message
                sql, note, fixes = fix.sql, fix.reason, fixes + 1
            else:
                self.record(SqlPart(result.sql, attempt, None, " ".join(n for n in (note, fitted) if n) or None))
                return self.when_nothing_found(result, attempt)

    def situation(self, sql: str, error: str = "", result: QueryResult | None = None) -> Situation:
        return Situation(sql, self.conversation, self.db, error, result)

    def correct_error(self, sql: str, error: str) -> Correction | None:
        """A correction the app makes itself when DuckDB's message names it (the ``ON_ERROR`` steps)."""
        return first_correction(self.situation(sql, error=error), ON_ERROR)

    def missing_data(self) -> str | None:
        """What to say when the model's query reads a table that is not loaded and is not a misspelling of
        one that is (``weather``, ``towns``, ``teams`` beside ``earthquakes``): the data is not here."""
        name = (self.unknown_table or "").strip('"')
        loaded = self.db.table_names()
        if not name or similar_names(name, loaded):
            return None
        return NO_SUCH_DATA.format(table=name, loaded=", ".join(loaded))  # an app's sentence: TextPart shows it inert

    def run_fitted(self, sql: str) -> tuple[QueryResult, str | None]:
        """Run ``sql`` with the corrections made before a query runs (the clock at the data's end, fitted to the
        question), and their reason; when the corrected query fails, the query as the model sent it (whose error
        the repairs see)."""
        correction = correct_before_running(self.situation(sql))
        if correction is not None:
            try:
                return self.db.run_query(correction.sql), correction.reason
            except QueryError:
                pass
        return self.db.run_query(sql), None

    def when_nothing_found(self, result: QueryResult, attempt: int) -> QueryResult:
        """An empty result whose SQL compared a text with the wrong column or spelling is rerun corrected, and
        kept when the corrected query finds something."""
        fix = first_correction(self.situation(result.sql, result=result), ON_NOTHING_FOUND)
        if fix is None:
            return result
        try:
            fixed = self.db.run_query(fix.sql)
        except QueryError:
            return result
        if fixed.found_nothing:
            return result
        self.record(SqlPart(fixed.sql, attempt, None, fix.reason))
        return fixed

    def record(self, part: SqlPart) -> None:
        self.attempts.append(part)
        self.publish()

    def result_parts(self, result: QueryResult, parsed: ParsedReply) -> list[Part]:
        """The table first, then the chart (each shown as soon as it exists), then the insight above them."""
        if result.total_rows == 0:
            return [TextPart(" ".join(filter(None, (NO_ROWS, covered(result.sql, self.db))))), self.table(result)]
        self.body = [self.table(result)]
        self.publish()
        self.events.on_stage("Drawing the chart…")
        span = span_of(result.sql, self.db)
        chart = build_chart(result.frame, parsed.chart, title=self.answer.question, span=span)
        if chart.note:
            shown_instead = NoticePart.CHART_FALLBACK if chart.spec is not None else NoticePart.PLAIN
            self.notices.append(NoticePart(chart.note, shown_instead))
        if chart.spec is not None:
            self.body.insert(0, ChartPart(chart.spec, chart.kind, chart.source))
        elif chart.kind == "metric":
            self.body.insert(0, metric_part(result.frame))
        self.publish()
        self.checkpoint()
        insight = self.insight(result, chart.kind) if self.options.write_insight else None
        return [insight, *self.body] if insight else list(self.body)

    def table(self, result: QueryResult) -> TablePart:
        return load_table_part(result, self.db)

    def facts(self, result: QueryResult, chart_kind: str | None) -> ResultFacts:
        """What an insight about ``result`` may state: its values, its groups, the chart drawn."""
        columns = list(result.frame.columns)
        groups = grouped_outputs(parse_tree(result.sql, self.db.internal_query), columns)
        loaded = {name for table in self.db.tables() for name, kind in table.columns if is_numeric_type(kind)}
        others = tuple(sorted(loaded - set(columns)))
        return ResultFacts(
            result.frame, result.total_rows, self.conversation.asked or self.answer.question, groups, chart_kind, others
        )

    def insight(self, result: QueryResult, chart_kind: str | None = None) -> TextPart | None:
        self.events.on_stage("Writing the insight…")
        options = self.options
        summary = build_result_summary(result, share_rows=options.share_rows, max_rows=options.insight_rows)
        messages = build_insight_messages(self.answer.question, summary, result.sql)
        try:
            completion = self.call("insight", messages, options.insight_max_tokens, stream=True)
        except ProviderError as error:
            self.notices.append(NoticePart(f"Could not write the insight: {error}"))
            return None
        text = shorten(completion.text.strip())
        problems = unsupported(text, self.facts(result, chart_kind))
        if problems:
            text = supported_text(text, problems)
            self.notices.append(NoticePart(f"{LEFT_OUT} {left_out(problems)}", NoticePart.LEFT_OUT))
        if not text:
            self.notices.append(NoticePart(ALL_LEFT_OUT if problems else NO_INSIGHT))
            return None
        return TextPart(text, completion.interrupted, by_model=True)

    def finish(self, parts: list[Part]) -> None:
        """Display order: notices, insight/text, chart, table, the SQL attempts, then any error."""
        errors = [p for p in parts if isinstance(p, ErrorPart)]
        body = [p for p in parts if not isinstance(p, ErrorPart)]
        self.answer.parts = [safe_part(p) for p in [*self.notices, *body, *self.attempts, *errors]]
        self.events.on_update(self.answer)

    def finish_stopped(self) -> None:
        """Keep every finished part, the insight written so far, and say that the person stopped it."""
        self.answer.stopped = True
        self.notices.append(NoticePart(STOPPED, NoticePart.STOPPED))
        text = "".join(self.streamed).strip()
        insight = [TextPart(shorten(text), STOPPED_INSIGHT, by_model=True)] if text else []
        self.finish([*insight, *self.body])


SUGGESTED = "Suggested by the app, with this SQL checked on this data: no model call wrote it."
LEFT_OUT = "Left out of the insight, because the table does not show it:"


def left_out(problems: list[Problem]) -> str:
    """Each sentence left out of an insight (cut to 200 characters), with why: at most three."""
    by_sentence: dict[str, list[str]] = {}
    for problem in problems:
        by_sentence.setdefault(problem.sentence, []).append(problem.why)
    return " ".join(
        f"“{sentence if len(sentence) <= 200 else sentence[:199] + '…'}” ({'; '.join(dict.fromkeys(why))})."
        for sentence, why in list(by_sentence.items())[:3]
    )


def answer_question(
    question: str,
    history: list[Answer],
    db: SessionDatabase,
    client: ModelClient,
    options: PipelineOptions | None = None,
    events: Events | None = None,
) -> Answer:
    """Ask the model for SQL, run it safely (repairing on error), then chart and explain the result."""
    started = time.perf_counter()
    run = _QuestionRun(db, client, options or PipelineOptions(), events or Events(), Answer(question))
    try:
        run.run(history)
    except (AnswerStopped, StopRequested):
        run.finish_stopped()
    except ProviderError as error:
        run.finish([ErrorPart(str(error), endpoint=True)])
    run.answer.total_s = time.perf_counter() - started
    return run.answer


def rerun_sql(answer: Answer, sql: str, db: SessionDatabase) -> Answer:
    """Run SQL the person edited; redraw table and chart (the insight stays, marked as older).

    A failing edit keeps the answer as it was and records the edit with its error."""
    started = time.perf_counter()
    try:
        result = db.run_query(sql)
    except QueryError as error:
        parts: list[Part] = [*answer.parts, SqlPart(sql, -1, error.message)]
    else:
        kept = [p for p in answer.parts if isinstance(p, TextPart | SqlPart)]
        chart = build_chart(result.frame, None, title=answer.question, span=span_of(sql, db))
        parts = [NoticePart(EDITED_NOTE), *kept]
        if chart.spec is not None:
            parts.append(ChartPart(chart.spec, chart.kind, chart.source))
        parts += [load_table_part(result, db), SqlPart(result.sql, -1)]
    edited = Answer(answer.question, [safe_part(p) for p in parts], list(answer.calls), answer.asked_at)
    edited.total_s = answer.total_s + (time.perf_counter() - started)
    return edited
