"""Fitting a query to what its question asked, where small models predictably drift from it.

Small models answer "the average magnitude, rounded to 2 decimal places" without ``round``, add
``LIMIT 10`` to "list every network", ``GROUP BY time`` to a single average, and order "the hour with
the most events" by the hour. Each drift is a kind of mistake, visible in DuckDB's parse of the query
next to plain facts about the question (it asks for rounding; it names no number and no ranking). The
app changes only the parse tree (``json_serialize_sql`` → edit → ``json_deserialize_sql``), and only
the top-level SELECT; the result runs through the same guard as any query, and the person sees what
was changed and why on the attempt.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from analyst.compared_values import one_row_per_value
from analyst.corrections.follow_up import keep_filters, keep_grouping, narrows, switch_grain
from analyst.corrections.question_words import (
    GROUPING_WORDS,
    MAP_WORDS,
    asked_decimals,
    asked_numbers,
    asks_for_all_rows,
    asks_for_ranking,
    direction_of,
    ranking_direction,
    superlatives,
    words,
)
from analyst.corrections.select_query import (
    Asked,
    Rewrite,
    SelectQuery,
    Tree,
    all_of,
    column_names,
    conjuncts,
    expression_nodes,
    group_key_columns,
    group_key_expressions,
    names_aggregate,
    order_column,
    output_name,
    selected_as,
    text_values,
    unaliased,
)
from analyst.corrections.situation import Conversation, Correction, Situation
from analyst.prompts import DATES_IN_WORDS
from analyst.schema import quote_literal
from sandbox.database import SessionDatabase
from sandbox.syntax_tree import (
    aggregates_rows,
    deserialized,
    fractional_aggregates,
    has_decimals,
    parse_tree,
    quote_name,
    serialized_statement,
    shape,
)

TIME_NAMES = re.compile(r"(time|date|day|month|year|week|hour|updated|created|at)$", re.IGNORECASE)
LATITUDE_NAMES = ("latitude", "lat")
LONGITUDE_NAMES = ("longitude", "lon", "lng", "long")
# Superlatives about one axis: the column names that are that axis. Checked against the ORDER BY of a query that
# keeps its first rows (LIMIT); the direction is the grammar's (question_words.direction_of).
AXIS_NAMES = {"north": LATITUDE_NAMES, "south": LATITUDE_NAMES, "east": LONGITUDE_NAMES, "west": LONGITUDE_NAMES}
TIME_SUPERLATIVES = {"earliest", "oldest", "first", "latest", "newest", "recent", "last"}


def _rounded(item: Tree, decimals: int, template: Tree) -> Tree:
    wrapped = copy.deepcopy(template)
    wrapped["alias"] = item.get("alias") or ""
    inner = copy.deepcopy(item)
    inner["alias"] = ""
    wrapped["arguments"][0]["expression"] = inner
    wrapped["arguments"][1]["expression"]["literal"]["text"] = str(decimals)
    return wrapped


def _is_fractional(item: Tree, query: SelectQuery, fractional_columns: set[str]) -> bool:
    """An aggregate whose value has decimals, as DuckDB's catalogue and the table's types say: one that always
    returns decimals (``avg``), one over a column with decimals (``sum(price)``), or arithmetic over aggregates."""
    if item.get("class") == "FUNCTION" and query.is_aggregate(item):
        name = item.get("function_name", "").lower()
        if name in fractional_aggregates() or column_names(item) & fractional_columns:
            return True
    operator = item.get("class") == "FUNCTION" and item.get("function_name") in {"/", "*", "+", "-"}
    return operator and query.is_aggregate(item)


def _has_round(item: Tree) -> bool:
    return any(
        node.get("class") == "FUNCTION" and node.get("function_name", "").lower() in {"round", "floor", "ceil", "trunc"}
        for node in expression_nodes(item)
    )


def example_values(example_sql: Iterable[str], db: SessionDatabase) -> frozenset[str]:
    """The texts the prompt's worked examples filter on."""
    values: set[str] = set()
    for sql in example_sql:
        values |= text_values(parse_tree(sql, db.internal_query))
    return frozenset(values)


def mentioned(value: str, asked: str) -> bool:
    """The conversation names this filter value: all of its words (``'%, alaska%'`` is "alaska")."""
    value_words = re.findall(r"[a-z0-9]+", value.lower())
    return bool(value_words) and set(value_words) <= set(re.findall(r"[a-z0-9]+", asked.lower()))


def _drop_copied_filters(query: SelectQuery, asked: Asked) -> list[str]:
    """Drop conditions on a text the prompt's worked examples use and the conversation never mentions: small
    models copy an example's ``WHERE place ILIKE '%alaska%'`` into unrelated questions. A value an earlier
    answer's SQL filtered on carried over and stays."""
    question = asked.question
    example_values, conversation_values = asked.conversation.example_values, asked.conversation.earlier_values
    where = query.node.get("where_clause")
    if not where or not example_values:
        return []
    conjuncts = where["children"] if where.get("type") == "CONJUNCTION_AND" else [where]

    def copied_from_example(condition: Tree) -> bool:
        values = text_values(condition)
        return bool(values & example_values) and not any(
            mentioned(v, question) or v in conversation_values for v in values
        )

    copied = [c for c in conjuncts if copied_from_example(c)]
    if not copied:
        return []
    kept = [c for c in conjuncts if all(c is not d for d in copied)]
    if not kept:
        query.node["where_clause"] = None
    elif len(kept) == 1:
        query.node["where_clause"] = kept[0]
    else:
        where["children"] = kept
    values = sorted(set().union(*(text_values(c) & example_values for c in copied)))
    named = ", ".join(repr(v) for v in values)
    return [f"removed the filter on {named}: it comes from the prompt's example, not the question"]


def _round_as_asked(query: SelectQuery, asked: Asked) -> list[str]:
    """ "Rounded to 2 decimal places" answered without ``round``: each value with decimals is rounded."""
    decimals = asked_decimals(asked.question)
    if decimals is None or any(_has_round(item) for item in query.select_list):
        return []
    names = []
    for position, item in enumerate(query.select_list):
        if _is_fractional(item, query, asked.fractional_columns):
            query.select_list[position] = _rounded(item, decimals, asked.round_template)
            names.append(output_name(item))
    if not names:
        return []
    places = "decimal place" if decimals == 1 else "decimal places"
    return [f"rounded {', '.join(names)} to {decimals} {places}, as the question asked"]


def _tidy_grouping(query: SelectQuery, asked: Asked) -> list[str]:
    """A GROUP BY over a list of rows (nothing aggregated) goes; one over values that do not show their group
    shows it when the question groups ("per"), and goes when it does not (it split one value into many)."""
    grouped = bool(query.group_keys) and not query.groups_all
    if grouped and not query.has_aggregate() and not all(query.is_grouped(i) for i in query.select_list):
        query.drop_grouping()
        return ["removed a GROUP BY from a list of rows (nothing was aggregated)"]
    if grouped and all(query.is_aggregate(item) for item in query.select_list):
        unselected = [k for k in query.group_keys if not query.selected(k)]
        if unselected and GROUPING_WORDS.search(asked.question):
            query.node["select_list"] = [*copy.deepcopy(unselected), *query.select_list]
            return ["showed the grouping column next to each value"]
        if unselected:
            query.drop_grouping()
            return ["removed a GROUP BY the question did not ask for (it split one value into many)"]
    return []


def _sort_by_the_ranked_value(query: SelectQuery, asked: Asked) -> list[str]:
    """ "The hour with the most events" ordered by the hour, or "the coldest station" by its average highest
    first: a LIMITed ranking of groups sorts by its one aggregate, in the direction the question ranks."""
    limit, ordered = query.limit(), query.modifier("ORDER_MODIFIER")
    direction = ranking_direction(asked.question)
    aggregates = [item for item in query.select_list if query.is_aggregate(item)]
    if limit is None or not ordered or not direction or len(aggregates) != 1:
        return []
    if not (query.group_keys or query.groups_all):
        return []
    keys_only = not any(
        query.is_aggregate(o["expression"]) or names_aggregate(o, aggregates, query.select_list)
        for o in ordered["orders"]
    )
    backwards = len(ordered["orders"]) == 1 and ordered["orders"][0].get("type") not in (direction, None)
    if not (keys_only or backwards):
        return []
    target = aggregates[0]
    expression = (
        {"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "", "column_names": [target["alias"]]}
        if target.get("alias")
        else copy.deepcopy(target)
    )
    ordered["orders"] = [{"type": direction, "null_order": "ORDER_DEFAULT", "expression": expression}]
    way = "highest" if direction == "DESCENDING" else "lowest"
    return [f"sorted by {output_name(target)}, {way} first, as the question ranks by it"]


def _drop_unasked_limit(query: SelectQuery, asked: Asked) -> list[str]:
    """A LIMIT the model wrote stays unless the question clearly asks for every row or group ("per region", "all",
    "on a map", "which places") and names no number of rows, ranking or sample, or only narrows an answer that
    had every row ("now only in Alaska" after "and per hour?"). A LIMIT the answer before had carries over ("show
    these on a map" after "the 10 strongest") unless the follow-up regroups."""
    limit, current = query.limit(), asked.current
    if limit is None or limit in asked_numbers(current):
        return []
    ranks = asks_for_ranking(current) and not _superlative_is_the_aggregate(query, current)
    carried = limit == asked.earlier_limit
    narrows_all = narrows(current) and asked.earlier is not None and asked.earlier_limit is None and not ranks
    if narrows_all:
        why = "the answer before had every row, and the question only narrows it"
    elif asks_for_all_rows(current, ranks) and not (carried and not GROUPING_WORDS.search(current)):
        why = "the question asks for every row, not a number of them"
    else:
        return []
    query.node["modifiers"] = [m for m in query.node["modifiers"] if m.get("type") != "LIMIT_MODIFIER"]
    return [f"removed LIMIT {limit}: {why}"]


A_RATE = re.compile(r"\b(?:average|mean)\s+(?:number|count|amount)\b|\bon average\b|\brate\b", re.IGNORECASE)
PER_WORD = re.compile(r"\b(?:per|each|every|by)\s+([a-z_]+)", re.IGNORECASE)
GRAINS = {"hour": "hour", "day": "day", "date": "day", "week": "week", "month": "month", "quarter": "quarter",
          "year": "year"}  # fmt: skip


def _add_asked_grouping(query: SelectQuery, asked: Asked) -> list[str]:
    """ "The average temperature per station" answered with one average over all rows: small models drop the
    grouping. A question that says "per <a column of the table>" or "per day/month/…" (on a table with one date
    or time column) of a query that only aggregates gets that grouping."""
    current, db = asked.current, asked.db
    if query.group_keys or query.groups_all or not query.select_list or A_RATE.search(current):
        return []
    if not all(query.is_aggregate(i) for i in query.select_list):
        return []
    source = query.node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE":
        return []
    columns = next((info.columns for info in db.tables() if info.name == source.get("table_name")), ())
    names = {name.lower(): name for name, _type in columns}
    times = [name for name, kind in columns if kind.startswith(("TIMESTAMP", "DATE"))]
    keys: list[Tree] = []
    for said in (w.lower() for w in PER_WORD.findall(current)):
        word = said[:-1] if said.endswith("s") and said[:-1] in names else said
        if word in names:
            keys.append({"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "", "column_names": [names[word]]})
        elif word in GRAINS and len(times) == 1:
            grain = GRAINS[word]
            truncated = parse_tree(
                f"SELECT date_trunc('{grain}', {quote_name(times[0])}) AS {grain}", db.internal_query
            )
            keys.append(truncated["select_list"][0])  # type: ignore[index]
    if not keys:
        return []
    query.node["select_list"] = [copy.deepcopy(k) for k in keys] + query.select_list
    query.node["group_expressions"] = [unaliased(k) for k in keys]
    query.node["group_sets"] = [list(range(len(keys)))]
    shown = ", ".join(str(k.get("alias") or k["column_names"][0]) for k in keys)
    return [f"grouped by {shown}: the question asks for a value per {shown}"]


MOST_OF = re.compile(r"\b(?:most|least|fewest)\s+([a-z_]+)", re.IGNORECASE)


def _numeric_column_named(word: str, numeric: dict[str, str], abbreviated: bool = False) -> str | None:
    """The numeric column a question's word names: "units" → units, "unit" → units, "rain" → rain_mm; with
    ``abbreviated``, "magnitudes" → mag (only where a count of them makes no sense)."""
    word = word.lower()
    for name in (word, word.removesuffix("s"), word + "s"):
        if name in numeric:
            return numeric[name]
    stems = [n for n in numeric if n.split("_")[0] == word]
    if len(stems) == 1:
        return numeric[stems[0]]
    abbreviations = [n for n in numeric if len(n) >= 3 and n.isalpha() and word.startswith(n)] if abbreviated else []
    return numeric[abbreviations[0]] if len(abbreviations) == 1 else None


def _numeric_columns(query: SelectQuery, db: SessionDatabase) -> dict[str, str]:
    """The numeric columns (lower-cased name → name) of the query's one table, ids left out."""
    source = query.node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE":
        return {}
    columns = next((info.columns for info in db.tables() if info.name == source.get("table_name")), ())
    return {n.lower(): n for n, kind in columns if kind.startswith(NUMERIC_TYPES) and not n.lower().endswith("id")}


def _total_per_key(query: SelectQuery, asked: Asked) -> list[str]:
    """ "Which product sold the most units?" answered with the one row of most units: "the most <a numeric
    column>" ranks each key's total. A list of rows ordered by that column, with only non-numeric columns beside
    it, is grouped by them with the column summed."""
    current, db = asked.current, asked.db
    numeric = _numeric_columns(query, db)
    measure = next((m for m in (_numeric_column_named(w, numeric) for w in MOST_OF.findall(current)) if m), None)
    ordered = query.modifier("ORDER_MODIFIER")
    if measure is None or not ordered or query.has_aggregate() or query.group_keys or query.groups_all:
        return []
    raw = [i for i in query.select_list if i.get("class") == "COLUMN_REF" and column_names(i) == {measure.lower()}]
    keys = [i for i in query.select_list if all(i is not r for r in raw)]
    if len(raw) != 1 or not keys or any(column_names(k) & set(numeric) or not column_names(k) for k in keys):
        return []
    if not any(column_names(o.get("expression")) == {measure.lower()} for o in ordered["orders"]):
        return []
    total = parse_tree(f"SELECT sum({quote_name(measure)})", db.internal_query)["select_list"][0]  # type: ignore[index]
    alias = raw[0].get("alias") or measure
    raw[0].clear()
    raw[0].update(copy.deepcopy(total), alias=alias)
    for order in ordered["orders"]:
        if column_names(order.get("expression")) == {measure.lower()}:
            order["expression"] = copy.deepcopy(total)
    query.node["group_expressions"] = [unaliased(k) for k in keys]
    query.node["group_sets"] = [list(range(len(keys)))]
    shown = ", ".join(output_name(k) for k in keys)
    return [f"summed {measure} per {shown}: “the most {measure}” ranks totals"]


DISTRIBUTION = re.compile(r"\b(?:distribut\w*|spread|histogram|box ?plots?)\b", re.IGNORECASE)


def _rows_for_a_distribution(query: SelectQuery, asked: Asked) -> list[str]:
    """ "How are units distributed?" answered with an average: a distribution is the values themselves (a
    histogram, or a box plot per group). A query that aggregates the column the question names becomes its rows,
    beside the groups it had."""
    current, db = asked.current, asked.db
    numeric = _numeric_columns(query, db)
    named = [m for m in (_numeric_column_named(w, numeric, abbreviated=True) for w in words(current)) if m]
    if not DISTRIBUTION.search(current) or not named or not query.has_aggregate():
        return []
    measure = named[0]
    keys = [i for i in query.select_list if not query.is_aggregate(i)]
    if any(column_names(k) & {measure.lower()} for k in keys):
        return []
    column = {"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "", "column_names": [measure]}
    query.node["select_list"] = [*keys, column]
    query.node["group_expressions"], query.node["group_sets"] = [], []
    query.node["aggregate_handling"] = "STANDARD_HANDLING"
    query.node["having"] = None
    query.node["modifiers"] = []
    return [f"listed every {measure} value: a distribution is the values, not a summary of them"]


YEAR_ONLY = re.compile(r"\b(?:in|during|for|of|from)\s+(\d{4})\b", re.IGNORECASE)
ISO_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}")


def _widen_unasked_date(query: SelectQuery, asked: Asked) -> list[str]:
    """ "In 2024" answered with ``order_date = '2024-01-05'``, a day the conversation never named (small models
    copy one from the sample rows): the condition becomes the year asked for."""
    question, db = asked.question, asked.db
    years = set(YEAR_ONLY.findall(question))
    if not years or DATES_IN_WORDS.search(question) or re.search(r"\d{4}-\d{2}", question):
        return []
    changes = []
    for condition in conjuncts(query.node.get("where_clause")):
        if condition.get("class") != "COMPARISON" or condition.get("type") != "COMPARE_EQUAL":
            continue
        left, right = condition.get("left") or {}, condition.get("right") or {}
        if left.get("class") != "COLUMN_REF" or right.get("class") != "CONSTANT":
            continue
        day = ISO_DATE.match(str((right.get("literal") or {}).get("text", "")))
        if not day or day.group(1) not in years:
            continue
        column = left["column_names"][-1]
        year = parse_tree(f"SELECT 1 WHERE year({quote_name(column)}) = {int(day.group(1))}", db.internal_query)
        condition.clear()
        condition.update(year["where_clause"])  # type: ignore[index]
        changes.append(f"kept all of {day.group(1)} instead of one day the question did not name")
    return changes


WHICH_ONE = re.compile(r"^\W*(?:and\s+|now\s+)?(?:which|what)\s+(\w+)", re.IGNORECASE)


def _rank_the_groups(query: SelectQuery, asked: Asked) -> list[str]:
    """ "Which day had the most rain?" answered with every day's total, unsorted: a "which … most/least"
    question over one aggregate per group, with no ORDER BY and no LIMIT, gets them (the number of rows asked
    for, or one)."""
    current, db = asked.current, asked.db
    direction = ranking_direction(current)
    aggregates = [i for i in query.select_list if query.is_aggregate(i)]
    if not WHICH_ONE.search(current) or direction is None or len(aggregates) != 1:
        return []
    if query.modifier("ORDER_MODIFIER") or query.limit() is not None or not (query.group_keys or query.groups_all):
        return []
    if _superlative_is_the_aggregate(query, current) or GROUPING_WORDS.search(current):
        return []
    asked = asked_numbers(current)
    noun = WHICH_ONE.search(current).group(1).lower()  # type: ignore[union-attr]
    plural = noun.endswith("s") and not noun.endswith(("ss", "us", "is"))
    rows = asked.pop() if len(asked) == 1 else None if plural else 1  # "which places": all of them, ranked
    way = "DESC" if direction == "DESCENDING" else "ASC"
    limit = f" LIMIT {rows}" if rows else ""
    template = parse_tree(f"SELECT 1 ORDER BY 1 {way}{limit}", db.internal_query) or {}
    modifiers = copy.deepcopy(template.get("modifiers") or [])
    target = aggregates[0]
    for modifier in modifiers:
        for order in modifier.get("orders") or []:
            order["expression"] = (
                {"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "", "column_names": [target["alias"]]}
                if target.get("alias")
                else unaliased(target)
            )
    query.node["modifiers"] = list(query.node.get("modifiers") or []) + modifiers
    way = "highest" if direction == "DESCENDING" else "lowest"
    name = output_name(target).removeprefix("the ")
    if rows is None:
        return [f"sorted by {name}, {way} first: the question asks which"]
    kept = "the row" if rows == 1 else f"the {rows} rows"
    return [f"kept {kept} with the {way} {name}: the question asks which"]


def _count_column_of_saved_groups(table: str, db: SessionDatabase) -> tuple[str, set[str]] | None:
    """A saved answer's one count column and its group keys (lower-cased), when its rows are counted groups."""
    view = db.saved_views.get(table)
    node = parse_tree(view.query, db.internal_query) if view else None
    if not node or node.get("type") != "SELECT_NODE":
        return None
    saved = SelectQuery(node, frozenset(COUNTS))
    counts = [i for i in saved.select_list if saved.is_aggregate(i)]
    expressions = group_key_expressions(saved)
    if len(counts) != 1 or not expressions or len(view.columns) != len(saved.select_list):  # type: ignore[union-attr]
        return None
    keys = group_key_columns(saved) | {str(selected_as(e, saved).get("alias") or "").lower() for e in expressions} - {
        ""
    }
    name = view.columns[saved.select_list.index(counts[0])][0]  # type: ignore[union-attr]
    return name, keys


COUNTS = {"count_star", "count"}
HOW_MANY = re.compile(r"\bhow many ([a-z_]+)", re.IGNORECASE)


def _sum_saved_counts(query: SelectQuery, asked: Asked) -> list[str]:
    """ "How many earthquakes in total?" over a saved answer of counts per day, answered with ``count(*)``: that
    counts its days. Counting rows of a saved table whose rows are counted groups adds up its count column
    instead, unless the question counts the groups themselves ("how many days")."""
    current, db = asked.current, asked.db
    source = query.node.get("from_table") or {}
    found = (
        _count_column_of_saved_groups(str(source.get("table_name")), db) if source.get("type") == "BASE_TABLE" else None
    )
    counts = [i for i in query.select_list if i.get("class") == "FUNCTION" and i.get("function_name") == "count_star"]
    if found is None or not counts:
        return []
    column, keys = found
    grouped_by_keys = bool(group_key_columns(query)) and group_key_columns(query) <= keys  # counts of 1
    asked = {w.lower().removesuffix("s") for w in HOW_MANY.findall(current)}
    if not grouped_by_keys and asked & ({k.removesuffix("s") for k in keys} | {"row", "group"}):
        return []
    _counts_as_sums(query, counts, column, db)
    return [
        f"added up {column} of the saved table {source['table_name']}: each of its rows is a group, not one of them"
    ]


NAMED_VALUE = re.compile(r"\b(?:at|in|of|for|from)\s+(?:the\s+)?([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")


def _filter_named_value(query: SelectQuery, asked: Asked) -> list[str]:
    """ "The highest temperature at Hill on each day" answered over every station: a value the question names
    after "at/in/of/for/from" that is exactly a value of one text column of the table, and that the query does not
    mention at all, becomes a condition on that column."""
    current, db = asked.current, asked.db
    source = query.node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE":
        return []
    named = [v for v in NAMED_VALUE.findall(current) if v.lower() not in text_values(query.node)]
    info = next((t for t in db.tables() if t.name == source.get("table_name")), None)
    texts = [c for c, kind in info.columns if kind == "VARCHAR"] if info else []
    if not named or not texts or info is None:
        return []
    holding = ", ".join(f"bool_or({quote_name(c)} = $1)" for c in texts)
    for value in named:
        found = db.internal_query(f"SELECT {holding} FROM {quote_name(info.name)}", [value])[0]
        columns = [c for c, hit in zip(texts, found, strict=True) if hit]
        if len(columns) != 1:
            continue
        condition = parse_tree(f"SELECT 1 WHERE {quote_name(columns[0])} = {quote_literal(value)}", db.internal_query)
        together = conjuncts(query.node.get("where_clause")) + [condition["where_clause"]]  # type: ignore[index]
        query.node["where_clause"] = all_of(together)
        return [f"kept only {columns[0]} {value}: the question names it"]
    return []


MEASURE_ASKED = re.compile(r"\bhow (?:many|much) ([a-z_]+)|\btotal (?:number of )?([a-z_]+)", re.IGNORECASE)
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "U")


def _counts_as_sums(query: SelectQuery, counts: list[Tree], column: str, db: SessionDatabase) -> None:
    """Each ``count(*)`` of the select list (and the ORDER BY that names it) becomes ``sum(column)``, keeping its
    name (or taking the column's)."""
    counted = shape(unaliased(counts[0]))
    total = parse_tree(f"SELECT sum({quote_name(column)})", db.internal_query)["select_list"][0]  # type: ignore[index]
    for item in counts:
        alias = item.get("alias") or column
        item.clear()
        item.update(copy.deepcopy(total), alias=alias)
    for order in (query.modifier("ORDER_MODIFIER") or {}).get("orders", []):
        if shape(order.get("expression")) == counted:
            order["expression"] = copy.deepcopy(total)


def _sum_the_asked_measure(query: SelectQuery, asked: Asked) -> list[str]:
    """ "How many units of Lamp were sold per quarter?" answered with ``count(*)``: small models count rows where
    the question names a numeric column of the table. The count becomes that column's sum."""
    current, db = asked.current, asked.db
    numeric = _numeric_columns(query, db)
    said = [w.lower() for pair in MEASURE_ASKED.findall(current) for w in pair if w]
    measure = next((m for m in (_numeric_column_named(w, numeric) for w in said) if m), None)
    if measure is None or measure.lower() in set().union(*(column_names(i) for i in query.select_list)):
        return []
    counts = [i for i in query.select_list if i.get("class") == "FUNCTION" and i.get("function_name") == "count_star"]
    if not counts:
        return []
    _counts_as_sums(query, counts, measure, db)
    return [f"summed {measure} instead of counting rows: the question asks how many {measure}"]


def _add_coordinates(query: SelectQuery, asked: Asked) -> list[str]:
    """ "On a map": a list of rows without coordinates gets its table's latitude and longitude, so the map can
    be drawn (small models answer with the places' names alone)."""
    current, db = asked.current, asked.db
    source = query.node.get("from_table") or {}
    if not MAP_WORDS.search(current) or source.get("type") != "BASE_TABLE" or query.has_aggregate():
        return []
    if query.group_keys or any(item.get("class") == "STAR" for item in query.select_list):
        return []
    columns = next((info.columns for info in db.tables() if info.name == source.get("table_name")), ())
    names = {name.lower(): name for name, _type in columns}
    latitude = next((names[n] for n in LATITUDE_NAMES if n in names), None)
    longitude = next((names[n] for n in LONGITUDE_NAMES if n in names), None)
    selected = {str((item.get("column_names") or [""])[-1]).lower() for item in query.select_list} | {
        str(item.get("alias", "")).lower() for item in query.select_list
    }
    missing = [c for c in (latitude, longitude) if c and c.lower() not in selected]
    if not latitude or not longitude or not missing:
        return []
    for column in missing:
        query.select_list.append({"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "", "column_names": [column]})
    return [f"added {' and '.join(missing)}: the question asks for a map"]


def _axis_of(superlative: str, column: str) -> bool:
    """Whether a superlative is about this column: compass words about latitude or longitude, time words about a
    time column, any other about the column its stem names ("deepest" → depth, "longest" → length)."""
    compass = next((axis for word, axis in AXIS_NAMES.items() if superlative.startswith(word)), None)
    if compass is not None and superlative.endswith("most"):
        return column in compass
    if superlative in TIME_SUPERLATIVES:
        return bool(TIME_NAMES.search(column))
    stem = superlative.removesuffix("est")
    return len(stem) >= 3 and column[:3] == stem[:3]


def _sort_for_superlative(query: SelectQuery, asked: Asked) -> list[str]:
    """ "The northernmost 5", "the earliest": the first ORDER BY key on that axis sorts so the superlative
    comes first (small models read direction words backwards)."""
    current = asked.current
    found = [w for w in superlatives(current) if direction_of(w)] + [
        w for w in words(current) & TIME_SUPERLATIVES if w not in superlatives(current)
    ]
    ordered = query.modifier("ORDER_MODIFIER")
    if len(set(found)) != 1 or not ordered or not ordered.get("orders") or query.limit() is None:
        return []
    word = found[0]
    direction = "ASCENDING" if word in {"earliest", "oldest", "first"} else direction_of(word) or "DESCENDING"
    first = ordered["orders"][0]
    column = order_column(first, query)
    if not column or not _axis_of(word, column) or first.get("type") == direction:
        return []
    first["type"] = direction
    way = "highest" if direction == "DESCENDING" else "lowest"
    return [f"sorted by {column}, {way} first, as “{word}” asks"]


def _superlative_is_the_aggregate(query: SelectQuery, current: str) -> bool:
    """ "The highest humidity per station": the superlative is each group's max(), not a ranking of groups, so a
    LIMIT keeps one station of four. The superlative ranks high (max) or low (min) by the grammar's direction."""
    if not GROUPING_WORDS.search(current) or not (query.group_keys or query.groups_all) or asked_numbers(current):
        return False
    found = [w for w in superlatives(current) if w != "top"]
    if not found:
        return False
    functions = {
        str(node.get("function_name", "")).lower()
        for item in query.select_list
        for node in expression_nodes(item)
        if node.get("class") == "FUNCTION"
    }
    extreme = {"DESCENDING": "max", "ASCENDING": "min"}
    return all(extreme.get(direction_of(w) or "") in functions for w in found)


# The order matters: filters copied from the prompt go before anything reads the filters; rounding and grouping
# are settled before the ranking that sorts by the aggregate and the LIMIT that keeps its first rows; the
# follow-up rewrites (a new grain, kept groups and filters) see the query after those; coordinates come last,
# when the select list is final.
REWRITES: tuple[Rewrite, ...] = (
    _drop_copied_filters,
    _round_as_asked,
    _tidy_grouping,
    _sort_by_the_ranked_value,
    _drop_unasked_limit,
    _sort_for_superlative,
    switch_grain,
    _add_asked_grouping,
    _filter_named_value,
    _widen_unasked_date,
    _total_per_key,
    _rank_the_groups,
    _rows_for_a_distribution,
    _sum_the_asked_measure,
    _sum_saved_counts,
    keep_grouping,
    keep_filters,
    _add_coordinates,
)


def _fractional_columns(node: Tree, db: SessionDatabase) -> set[str]:
    source = node.get("from_table") or {}
    columns = next((info.columns for info in db.tables() if info.name == source.get("table_name")), ())
    return {name.lower() for name, kind in columns if has_decimals(kind)}


def _earlier_select(earlier_sql: str, db: SessionDatabase) -> SelectQuery | None:
    node = parse_tree(earlier_sql, db.internal_query) if earlier_sql else None
    return SelectQuery(node) if node and node.get("type") == "SELECT_NODE" else None


def fit_to_question(sql: str, conversation: Conversation, db: SessionDatabase) -> Correction | None:
    """The query changed to do what the question asked, or None when nothing needs changing (or the query
    is not one plain SELECT the app can edit safely). Each of ``REWRITES`` edits the parse in turn."""
    tree = serialized_statement(sql, db.internal_query)
    if tree is None:
        return None
    node = tree["statements"][0]["node"]
    compared = one_row_per_value(node, aggregates_rows)
    if compared is not None:
        node, why = compared
        tree["statements"][0]["node"] = node
    if node.get("type") != "SELECT_NODE":
        return None
    template = parse_tree("SELECT round(__value__, 2)", db.internal_query)
    query = SelectQuery(node)
    asked = Asked(
        conversation,
        db,
        _earlier_select(conversation.earlier_sql, db),
        template["select_list"][0],  # type: ignore[index]
        _fractional_columns(node, db),
    )
    changes = [why] if compared is not None else []
    for rewrite in REWRITES:
        changes += rewrite(query, asked)
    if not changes:
        return None
    fitted = deserialized(tree, db.internal_query)
    return Correction(fitted, "Fitted to the question by the app: " + "; ".join(changes) + ".") if fitted else None


def correct_to_question(situation: Situation) -> Correction | None:
    """The step: the query fitted to what the conversation asked."""
    return fit_to_question(situation.sql, situation.conversation, situation.db)
