"""What a query computed, in plain words, read from DuckDB's own parse of it (``json_serialize_sql``).

"earthquakes where mag ≥ 4 · count per month of time · sorted by n, highest first · top 5": written by
the app, not the model, so a person sees at once when "each day" was answered per month. Shapes it
cannot describe faithfully (set operations, subqueries in FROM, PIVOT, SHOW...) give ``None``: the
page then shows the SQL alone.
"""

from __future__ import annotations

import logging
from typing import Any

from sandbox.syntax_tree import aggregate_functions, aggregates_rows, parse_tree

logger = logging.getLogger(__name__)

Tree = dict[str, Any]

AGGREGATE_WORDS = {  # how the common aggregates read; what aggregates at all is DuckDB's catalogue
    "count_star": "count",
    "count": "count of",
    "sum": "total",
    "avg": "average",
    "mean": "average",
    "min": "minimum",
    "max": "maximum",
    "median": "median",
    "stddev": "standard deviation of",
    "stddev_samp": "standard deviation of",
    "stddev_pop": "standard deviation of",
    "variance": "variance of",
    "var_samp": "variance of",
    "mode": "most common",
    "quantile_cont": "quantile of",
    "quantile_disc": "quantile of",
    "approx_count_distinct": "approximate distinct count of",
    "arg_max": "value at the maximum:",
    "arg_min": "value at the minimum:",
    "max_by": "value at the maximum:",
    "min_by": "value at the minimum:",
    "first": "first",
    "any_value": "a value of",
    "string_agg": "list of",
    "list": "list of",
    "array_agg": "list of",
    "corr": "correlation of",
    "bool_and": "all of",
    "bool_or": "any of",
}
COMPARISONS = {
    "COMPARE_EQUAL": "=",
    "COMPARE_NOTEQUAL": "≠",
    "COMPARE_LESSTHAN": "<",
    "COMPARE_GREATERTHAN": ">",
    "COMPARE_LESSTHANOREQUALTO": "≤",
    "COMPARE_GREATERTHANOREQUALTO": "≥",
    "COMPARE_DISTINCT_FROM": "is distinct from",
    "COMPARE_NOT_DISTINCT_FROM": "is",
}
LIKE_OPERATORS = {"~~": "", "~~*": "", "!~~": "not ", "!~~*": "not ", "like": "", "ilike": "", "glob": ""}
INFIX = {"+", "-", "*", "/", "//", "%", "^", "**", "||"}
# Date parts a time can be grouped by: "per hour" is a grain of time; extract(month) is a month of the year.
TRUNC_GRAINS = {
    "microseconds": "microsecond",
    "milliseconds": "millisecond",
    "second": "second",
    "minute": "minute",
    "hour": "hour",
    "day": "day",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
    "decade": "decade",
}
PART_NAMES = {
    "year": "year",
    "quarter": "quarter of the year",
    "month": "month of the year",
    "week": "week of the year",
    "weekofyear": "week of the year",
    "day": "day of the month",
    "dayofmonth": "day of the month",
    "dayofweek": "day of the week",
    "dow": "day of the week",
    "isodow": "day of the week",
    "dayname": "day of the week",
    "monthname": "month of the year",
    "dayofyear": "day of the year",
    "doy": "day of the year",
    "hour": "hour of the day",
    "minute": "minute of the hour",
    "epoch": "second",
}
# strftime/strptime codes, finest first: the finest code present is the grain.
FORMAT_GRAINS = (
    ("%S", "second"),
    ("%M", "minute"),
    ("%H", "hour"),
    ("%I", "hour"),
    ("%d", "day"),
    ("%j", "day"),
    ("%x", "day"),
    ("%W", "week"),
    ("%U", "week"),
    ("%V", "week"),
    ("%m", "month"),
    ("%b", "month"),
    ("%B", "month"),
    ("%Y", "year"),
    ("%y", "year"),
)


class Undescribable(Exception):
    """A shape this module does not put into words."""


def describe_sql(sql: str, run: Any) -> str | None:
    """One line saying what ``sql`` computed, or None when its shape is not one this module describes."""
    try:
        node = parse_tree(sql, run)
        return None if node is None else _Describer(sql).describe(node)
    except Undescribable:
        return None  # a shape the words do not cover: the SQL is shown instead
    except (KeyError, IndexError, TypeError, ValueError):
        logger.exception("The SQL could not be described; the SQL is shown instead")  # a bug to see and fix
        return None


class _Describer:
    def __init__(self, sql: str) -> None:
        self.source = sql.encode()

    # Expressions --------------------------------------------------------------------------------
    def text_of(self, expr: Tree) -> str:
        """The expression as the query wrote it (DuckDB records where each one stands)."""
        start, length = expr.get("query_location"), expr.get("query_location_length")
        if isinstance(start, int) and isinstance(length, int) and length > 0 and start + length <= len(self.source):
            return " ".join(self.source[start : start + length].decode(errors="replace").split())
        raise Undescribable(expr.get("type"))

    def words(self, expr: Tree) -> str:
        kind, cls = expr.get("type", ""), expr.get("class", "")
        if cls == "COLUMN_REF":
            return ".".join(expr["column_names"][-1:])
        if cls == "CONSTANT":
            literal = expr.get("literal") or {}
            if literal.get("kind") in ("STRING", "VARCHAR"):
                return "'" + str(literal.get("text", "")) + "'"
            return "null" if literal.get("kind") == "NULL" else str(literal.get("text", self.text_of(expr)))
        if cls == "COMPARISON":
            return f"{self.words(expr['left'])} {COMPARISONS[kind]} {self.words(expr['right'])}"
        if cls == "CONJUNCTION":
            joiner = " and " if kind == "CONJUNCTION_AND" else " or "
            parts = [self.words(c) for c in expr["children"]]
            text = joiner.join(parts)
            return f"({text})" if kind == "CONJUNCTION_OR" else text
        if cls == "BETWEEN":
            low, high = self.words(expr["lower"]), self.words(expr["upper"])
            return f"{self.words(expr['input'])} between {low} and {high}"
        if cls == "OPERATOR":
            return self.operator(kind, expr["children"])
        if cls == "CAST":
            target = expr.get("type_expr", {}).get("type_name") or (expr.get("cast_type") or {}).get("id", "")
            inner = self.words(expr["child"])
            return f"date of {inner}" if str(target).upper() == "DATE" else inner
        if cls == "FUNCTION":
            return self.function(expr)
        if cls == "STAR":
            return "all columns"
        return self.text_of(expr)

    def operator(self, kind: str, children: list[Tree]) -> str:
        parts = [self.words(c) for c in children]
        if kind == "COMPARE_IN":
            return f"{parts[0]} is one of {', '.join(parts[1:])}"
        if kind == "COMPARE_NOT_IN":
            return f"{parts[0]} is none of {', '.join(parts[1:])}"
        if kind == "OPERATOR_IS_NULL":
            return f"{parts[0]} is missing"
        if kind == "OPERATOR_IS_NOT_NULL":
            return f"{parts[0]} is present"
        if kind == "OPERATOR_NOT":
            return f"not ({parts[0]})"
        raise Undescribable(kind)

    def function(self, expr: Tree) -> str:
        name = expr["function_name"].lower()
        args = [a.get("expression", a) for a in expr.get("arguments") or expr.get("children") or []]
        if name in LIKE_OPERATORS and len(args) == 2:
            return self.like(name, args)
        if expr.get("is_operator") and name in INFIX and len(args) == 2:
            return f"{self.words(args[0])} {name} {self.words(args[1])}"
        if name in aggregate_functions():
            return self.aggregate(name, args, expr.get("distinct", False))
        if name == "round" and args:
            places = f" to {self.words(args[1])} places" if len(args) > 1 else ""
            return f"{self.words(args[0])} (rounded{places})"
        grain = self.grain(expr)
        if grain:
            return grain
        return self.text_of(expr)

    def like(self, name: str, args: list[Tree]) -> str:
        negated = LIKE_OPERATORS[name]
        pattern = args[1].get("literal", {}).get("text") if args[1].get("class") == "CONSTANT" else None
        column = self.words(args[0])
        if isinstance(pattern, str) and "_" not in pattern.strip("%"):
            core = pattern.strip("%")
            if "%" not in core:
                case = " (any case)" if "*" in name or name == "ilike" else ""
                verb = (
                    "contains"
                    if pattern.startswith("%") and pattern.endswith("%")
                    else "starts with"
                    if pattern.endswith("%")
                    else "ends with"
                    if pattern.startswith("%")
                    else "is"
                )
                return f"{column} {negated}{verb} '{core}'{case}".replace("not is", "is not")
        return f"{column} {negated}matches {self.words(args[1])}"

    def aggregate(self, name: str, args: list[Tree], distinct: bool) -> str:
        label = AGGREGATE_WORDS.get(name, f"{name} of")
        if name == "count_star" or (name == "count" and not args):
            return "count"
        inner = ", ".join(self.words(a) for a in args[:2])
        if distinct:
            return f"distinct count of {inner}" if name == "count" else f"{label} distinct {inner}"
        return f"{label} {inner}"

    def grain(self, expr: Tree) -> str | None:
        """The time grain of a grouping expression: "month of time", "hour of the day of time"."""
        if expr.get("class") == "CAST":
            target = expr.get("type_expr", {}).get("type_name", "")
            return f"day of {self.words(expr['child'])}" if str(target).upper() == "DATE" else None
        if expr.get("class") != "FUNCTION":
            return None
        name = expr["function_name"].lower()
        args = [a.get("expression", a) for a in expr.get("arguments") or []]
        literal = args[0].get("literal", {}).get("text", "") if args and args[0].get("class") == "CONSTANT" else ""
        if name in ("date_trunc", "datetrunc", "time_bucket") and len(args) == 2 and name != "time_bucket":
            unit = TRUNC_GRAINS.get(str(literal).lower().rstrip("s") if literal else "")
            unit = unit or TRUNC_GRAINS.get(str(literal).lower())
            return f"{unit} of {self.words(args[1])}" if unit else None
        if name in ("date_part", "datepart", "extract") and len(args) == 2:
            part = PART_NAMES.get(str(literal).lower())
            return f"{part} of {self.words(args[1])}" if part else None
        if name in PART_NAMES and len(args) == 1:
            return f"{PART_NAMES[name]} of {self.words(args[0])}"
        if name in ("strftime", "time_format") and len(args) == 2:
            fmt = args[1].get("literal", {}).get("text", "") if args[1].get("class") == "CONSTANT" else ""
            unit = next((g for code, g in FORMAT_GRAINS if code in str(fmt)), None)
            return f"{unit} of {self.words(args[0])}" if unit else None
        return None

    # The query ----------------------------------------------------------------------------------
    def describe(self, node: Tree) -> str:
        if node.get("type") != "SELECT_NODE" or (node.get("cte_map") or {}).get("map"):
            raise Undescribable("only plain SELECTs are described")
        source = self.from_clause(node.get("from_table"))
        select = node["select_list"]
        phrases: list[str] = []
        where = node.get("where_clause")
        phrases.append(f"{source} where {self.words(where)}" if where else source)
        groups = [self.group_key(g, select) for g in node.get("group_expressions") or []]
        aggregated = [s for s in select if aggregates_rows(s)]
        if not groups and aggregated and len(aggregated) < len(select):  # GROUP BY ALL
            groups = [self.group_key(s, select) for s in select if not aggregates_rows(s)]
        if any(self.is_window(s) for s in select) or node.get("qualify"):
            raise Undescribable("window functions")
        if groups:
            computed = ", ".join(self.named(s) for s in aggregated) or "distinct values"
            phrases.append(f"{computed} per {' and '.join(groups)}")
        elif aggregated:
            phrases.append(", ".join(self.named(s) for s in select))
        else:
            distinct = any(m.get("type") == "DISTINCT_MODIFIER" for m in node.get("modifiers", []))
            columns = ", ".join(self.named(s) for s in select)
            phrases.append(f"distinct {columns}" if distinct else f"rows with {columns}")
        if node.get("having"):
            phrases.append(f"only groups where {self.words(node['having'])}")
        phrases += self.order_and_limit(node.get("modifiers", []), select)
        return " · ".join(phrases)

    def from_clause(self, table: Tree | None) -> str:
        if not table or table.get("type") == "EMPTY":
            return "no table"
        if table.get("type") == "BASE_TABLE":
            return str(table["table_name"])
        if table.get("type") == "JOIN":
            left, right = self.from_clause(table["left"]), self.from_clause(table["right"])
            return f"{left} joined with {right}"
        raise Undescribable(table.get("type"))

    def resolve(self, expr: Tree, select: list[Tree]) -> Tree:
        """``GROUP BY 1`` or an alias means a select item: use that item's expression."""
        if expr.get("class") == "CONSTANT" and expr.get("literal", {}).get("kind") in ("INTEGER", "BIGINT"):
            index = int(expr["literal"]["text"]) - 1
            if 0 <= index < len(select):
                return select[index]
        if expr.get("class") == "COLUMN_REF" and len(expr["column_names"]) == 1:
            name = expr["column_names"][0]
            aliased = next((s for s in select if s.get("alias") == name and s.get("class") != "COLUMN_REF"), None)
            if aliased is not None:
                return aliased
        return expr

    def group_key(self, expr: Tree, select: list[Tree]) -> str:
        resolved = self.resolve(expr, select)
        return self.grain(resolved) or self.words(resolved)

    def named(self, expr: Tree) -> str:
        described = self.words(expr)
        alias = expr.get("alias")
        return f"{described} ({alias})" if alias and alias != described else described

    def is_window(self, expr: Any) -> bool:
        if isinstance(expr, dict):
            return expr.get("class") == "WINDOW" or any(self.is_window(v) for v in expr.values())
        return isinstance(expr, list) and any(self.is_window(v) for v in expr)

    def order_and_limit(self, modifiers: list[Tree], select: list[Tree]) -> list[str]:
        phrases: list[str] = []
        descending = False
        for modifier in modifiers:
            if modifier.get("type") == "ORDER_MODIFIER":
                keys = []
                for order in modifier["orders"]:
                    key = self.resolve(order["expression"], select)
                    name = key.get("alias") or self.words(key)
                    first = "highest first" if order["type"] == "DESCENDING" else "lowest first"
                    descending = descending or (not keys and order["type"] == "DESCENDING")
                    keys.append(f"{name}, {first}")
                phrases.append("sorted by " + "; then ".join(keys))
            elif modifier.get("type") == "LIMIT_MODIFIER" and modifier.get("limit"):
                limit = self.words(modifier["limit"])
                ordered = any(m.get("type") == "ORDER_MODIFIER" for m in modifiers)
                phrases.append(f"top {limit}" if ordered and descending else f"first {limit}")
            elif modifier.get("type") == "LIMIT_PERCENT_MODIFIER":
                raise Undescribable("LIMIT percent")
        return phrases
