"""How large the values a query builds can grow, decided on DuckDB's parse before the query runs.

DuckDB's ``memory_limit`` covers its hash tables, sorts and aggregate states, but not the strings and lists a
function builds inside one vector of up to 2,048 rows: ``replace(lpad('', 10000, 'a'), 'a', lpad('', 10000, 'b'))``
is 100 MB per row, built in one step that nothing can interrupt. So every expression of a query gets an upper
bound on the bytes of one of its values, from the bounds of its inputs:

- the data: the largest value of each column of the session's tables (``sandbox.row_size.measure_cells``:
  DuckDB's own column statistics), a saved view by its own query;
- each function by a rule (``RULES``, checked against ``duckdb_functions()`` by the tests): fixed-size results;
  results no larger than an input or the sum of the inputs; a known factor (``hex`` doubles, ``bin`` eightfolds);
  a size argument that must be a small literal number (``repeat``, ``lpad``, ``list_resize``, ``range`` as a
  value); a replacement, format or lambda that multiplies its input; the aggregates that gather rows
  (``string_agg``, ``list``), whose values count as large as the memory limit lets them grow (DuckDB tracks them);
  macros by their own definitions; a few functions refused outright;
- column references by the query's own sources (tables, CTEs, subqueries, views), so that growth passed through a
  chain of CTEs or subqueries multiplies as it does when it runs; recursive CTEs may grow a value by a fixed amount
  per step, never multiply it.

The query is refused when what it builds per row (every function result, added up) could pass ``ROW_BUDGET``:
that bounds what one vector holds at once. What is fetched is bounded again, at run time, by the sandbox.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import duckdb

from sandbox.syntax_tree import walk

Tree = dict[str, Any]

ROW_BUDGET = 64 * 1024  # bytes one row's built values may take together: 128 MB for a vector of 2,048 rows
MAX_SIZE_ARGUMENT = 10_000  # repeat/lpad/rpad/list_resize/range...: literal counts up to this
MAX_NESTING = 8  # lambdas and recursive CTEs inside one another (each is sized more than once)
MAX_EXPANDED = 10_000  # expressions DuckDB's binder adds when it puts select-list aliases in place
MAX_WORK = 200_000  # expressions sized for one query (lambdas and recursions size theirs again): a fraction of a second
TRACKED_BYTES = 200 * 1000**2  # what DuckDB's memory limit lets a gathered value grow to (the sandbox's default)
FIXED_BYTES = 16  # a number, date, boolean or other fixed-size value (DuckDB's string_t is 16 bytes too)
ELEMENT_BYTES = 16  # what a list spends per element besides the element itself

FIXED_TYPES = re.compile(
    r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|"
    r"REAL|DECIMAL(\(.*\))?|NUMERIC|DATE|TIME|TIME_NS|TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|DATETIME|"
    r"TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ|TIMESTAMPTZ_NS|TIME WITH TIME ZONE|TIMETZ|INTERVAL|UUID|\"NULL\"|INT|"
    r"INT1|INT2|INT4|INT8|INT16|INT32|INT64|INT128|LONG|SHORT|BOOL|LOGICAL|FLOAT4|FLOAT8|SIGNED|UINT8|UINT16|UINT32|"
    r"UINT64|UINT128)$",
    re.IGNORECASE,
)
TEXT_TYPES = {"VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "NVARCHAR", "JSON"}


class TooLarge(ValueError):
    """A query whose values could grow past what the sandbox allows; ``str`` says which function and why."""


def _human(size: float) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:,.1f} GB"
    if size >= 1024**2:
        return f"{size / 1024**2:,.1f} MB"
    if size >= 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size:,.0f} bytes"


@dataclass(frozen=True)
class Columns:
    """A source's columns, in order, each with the largest size of one of its values."""

    pairs: tuple[tuple[str, float], ...] = ()

    @property
    def widest(self) -> float:
        return max((size for _, size in self.pairs), default=0.0)

    @property
    def row(self) -> float:
        return sum(size for _, size in self.pairs)

    def get(self, name: str) -> float | None:
        found = [size for column, size in self.pairs if column == name]
        return max(found) if found else None

    def renamed(self, names: Sequence[str]) -> Columns:
        """DuckDB's ``t(a, b)`` and CTE column lists rename the first columns in order."""
        pairs = [(str(n).lower(), size) for n, (_, size) in zip(names, self.pairs, strict=False)]
        return Columns(tuple(pairs) + self.pairs[len(pairs) :])

    def scaled(self, factor: float) -> Columns:
        return Columns(tuple((name, size * factor) for name, size in self.pairs))


@dataclass
class _Scope:
    outer: _Scope | None = None
    sources: list[tuple[str, Columns]] = field(default_factory=list)
    ctes: dict[str, Columns] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    aliases: dict[str, Tree] = field(default_factory=dict)  # select-list aliases, which DuckDB lets later items use
    alias_sizes: dict[str, float] = field(default_factory=dict)  # each alias sized once
    literals: dict[str, Tree] = field(default_factory=dict)  # a macro's literal arguments (list_aggr's name)

    def cte(self, name: str) -> Columns | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.ctes:
                return scope.ctes[name]
            scope = scope.outer
        return None


@dataclass(frozen=True)
class Catalogue:
    """What ``duckdb_functions()`` says about every function, for the rules."""

    fixed: frozenset[str]  # every overload returns a fixed-size type
    macros: Mapping[str, tuple[tuple[tuple[str, ...], Tree], ...]]  # name -> (parameters, parsed definition)
    lambdas: frozenset[str]  # functions that take a lambda


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """Read once per process from a private in-memory DuckDB (nothing of any session)."""
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT function_name, function_type, return_type, parameters, parameter_types, macro_definition "
            "FROM duckdb_functions() WHERE function_type IN ('scalar', 'aggregate', 'window', 'macro')"
        ).fetchall()
        returns: dict[str, set[str]] = {}
        lambdas = set()
        macros: dict[str, list[tuple[tuple[str, ...], Tree]]] = {}
        for name, kind, returned, parameters, types, definition in rows:
            name = name.lower()
            if kind == "macro":
                parsed = connection.execute("SELECT json_serialize_sql(?::VARCHAR)", [f"SELECT {definition}"])
                tree = json.loads(parsed.fetchone()[0])
                if not tree.get("error"):
                    node = tree["statements"][0]["node"]
                    macros.setdefault(name, []).append((tuple(p.lower() for p in parameters), node["select_list"][0]))
                continue
            returns.setdefault(name, set()).add(returned or "ANY")
            if "LAMBDA" in (types or []):
                lambdas.add(name)
    fixed = {name for name, types in returns.items() if all(FIXED_TYPES.match(t) for t in types)}
    return Catalogue(
        frozenset(fixed),
        {name: tuple(found) for name, found in macros.items()},
        frozenset(lambdas),
    )


def _arguments(node: Tree) -> list[Tree]:
    """A function's arguments (``arguments`` in DuckDB 2.0's parse, ``children`` in operators)."""
    found = node.get("arguments")
    if found is None:
        found = node.get("children") or []
    return [a.get("expression", a) if isinstance(a, dict) and "expression" in a else a for a in found]


def _sub_expressions(value: Any) -> Iterator[Tree]:
    """The expressions directly inside ``value``: dicts with a ``class``, not looking inside those."""
    if isinstance(value, dict):
        if "class" in value:
            yield value
            return
        for item in value.values():
            yield from _sub_expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _sub_expressions(item)


def _inside(node: Tree) -> Iterator[Tree]:
    """The expressions directly inside expression ``node`` (not ``node`` itself)."""
    return _sub_expressions(list(node.values()))


def _literal(node: Any) -> tuple[str, str] | None:
    if isinstance(node, dict) and node.get("class") == "CONSTANT":
        literal = node.get("literal") or {}
        return str(literal.get("kind", "")), str(literal.get("text", ""))
    return None


def _literal_int(node: Any) -> int | None:
    found = _literal(node)
    if found and found[0] in ("INTEGER", "NUMERIC", "BIGINT", "HUGEINT"):
        try:
            return int(found[1])
        except ValueError:
            return None
    return None


def _literal_text(node: Any) -> str | None:
    found = _literal(node)
    return found[1] if found and found[0] == "STRING" else None


def _type_bound(type_expr: Any) -> tuple[str, float]:
    """How a cast to this type sizes its input: ("fixed", bytes), ("scale", factor) or ("keep", 1)."""
    name = str((type_expr or {}).get("type_name", "")).upper()
    if (type_expr or {}).get("children") or name in ("LIST", "STRUCT", "MAP", "UNION", "ARRAY", "ROW"):
        return "scale", ELEMENT_BYTES + 1  # '[,,,]'::VARCHAR[]: 16 bytes an element from one character
    if FIXED_TYPES.match(name) or name == "ENUM":
        return "fixed", FIXED_BYTES
    if name in TEXT_TYPES:
        return "scale", 8  # BIT as text is 8 characters a byte; BLOB 4; numbers ~24 from 8
    if name in ("BLOB", "BYTEA", "BINARY", "VARBINARY", "BIT", "BITSTRING"):
        return "keep", 1  # '\xAA' text becomes one byte
    return "scale", 8


class _Sizer:
    def __init__(self, cells: Mapping[str, Columns], views: Mapping[str, Tree], tracked: float) -> None:
        self.cells = cells
        self.views = views
        self.tracked = tracked  # an aggregate's or a recursion's value: as large as the memory limit lets it grow
        self.default_cell = max((c.widest for c in cells.values()), default=FIXED_BYTES)
        self.catalogue = catalogue()
        self.total = 0.0
        self.culprit = ("", 0.0)
        self.nesting = 0
        self.expanding: set[str] = set()
        self.gathered = False  # a value gathered from many rows was read: a copy of it is named as such
        self.work = 0

    # Accounting -----------------------------------------------------------------------------------------------
    def built(self, name: str, size: float) -> float:
        """Count a value a function builds for every row; refuse as soon as the row's values could pass the budget."""
        self.total += size
        if size > self.culprit[1]:
            self.culprit = (name, size)
        if self.total > ROW_BUDGET:
            culprit, largest = self.culprit
            if self.gathered and largest >= self.tracked:
                raise TooLarge(
                    f"{culprit}() would copy a value gathered from many rows (string_agg, list, a recursive query...), "
                    f"which can grow to {_human(self.tracked)}; shape the values inside the aggregate instead, e.g. "
                    "string_agg(a || ': ' || b, ', ')"
                )
            raise TooLarge(
                f"the values this query builds could take {_human(self.total)} per row ({culprit}() alone "
                f"{_human(largest)}); the sandbox allows {_human(ROW_BUDGET)}: sizes must be small literal "
                "numbers, and a value may not be multiplied again and again"
            )
        return size

    @contextmanager
    def trial(self) -> Iterator[list[float]]:
        """Size something without counting it (lambda bodies, recursive steps): yields [what it built]."""
        saved_total, saved_culprit = self.total, self.culprit
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise TooLarge(f"lambdas or recursive queries are nested more than {MAX_NESTING} deep")
        self.total, result = 0.0, [0.0]
        try:
            yield result  # too large inside (the same budget) is too large outside: TooLarge goes through
        finally:
            result[0] = self.total
            self.total, self.culprit = saved_total, saved_culprit
            self.nesting -= 1

    # Query nodes ----------------------------------------------------------------------------------------------
    def query(self, node: Any, outer: _Scope | None) -> Columns:
        if not isinstance(node, dict):
            return Columns()
        kind = node.get("type")
        scope = _Scope(outer=outer)
        self.ctes(node.get("cte_map"), scope)
        if kind == "SELECT_NODE":
            return self.select(node, scope)
        if kind == "SET_OPERATION_NODE":
            sides = [
                self.query(child, scope) for child in node.get("children") or [node.get("left"), node.get("right")]
            ]
            return self.union([s for s in sides if s.pairs])
        if kind == "RECURSIVE_CTE_NODE":
            return self.recursive(node, scope, str(node.get("cte_name", "")).lower())
        # Anything else: every expression in it is sized, and its columns are as wide as the widest of them.
        widest = max((self.expression(e, scope) for e in _sub_expressions(node)), default=0.0)
        return Columns((("", max(widest, self.default_cell)),))

    def ctes(self, cte_map: Any, scope: _Scope) -> None:
        for entry in (cte_map or {}).get("map") or []:
            name, value = str(entry.get("key", "")).lower(), entry.get("value") or {}
            node = value.get("query_node") or (value.get("query") or {}).get("node")
            columns = self.query(node, scope)
            scope.ctes[name] = columns.renamed(value.get("aliases") or [])

    @staticmethod
    def union(sides: list[Columns]) -> Columns:
        """UNION and the like: the first side's names, each column as wide as the widest in its place."""
        if not sides:
            return Columns()
        names = [name for name, _ in sides[0].pairs]
        count = max(len(s.pairs) for s in sides)
        return Columns(
            tuple(
                (names[i] if i < len(names) else "", max(s.pairs[i][1] for s in sides if len(s.pairs) > i))
                for i in range(count)
            )
        )

    def recursive(self, node: Tree, scope: _Scope, name: str) -> Columns:
        """A recursive CTE runs its second part again and again on its own rows. It is sized with the first part's
        columns, then with each column made larger in turn: a step whose results grow by more than that column did
        (``s || s``) multiplies a value on every step and is refused. Then the steps are followed a few times: a
        column still growing (``s || 'x'``, or one made from it) is as large as the memory limit lets the steps go."""
        anchor = self.query(node.get("left"), scope).renamed(node.get("aliases") or [])
        first, built = self.step(node, scope, name, anchor)
        for index, (_, width) in enumerate(anchor.pairs):
            added = max(width, 1.0)
            wider = Columns(tuple((n, w + added if i == index else w) for i, (n, w) in enumerate(anchor.pairs)))
            after, _ = self.step(node, scope, name, wider)
            grown = sum(max(a - f, 0.0) for (_, a), (_, f) in zip(after.pairs, first.pairs, strict=False))
            if grown > added * 1.01:
                raise TooLarge(f"the recursive query {name} multiplies a value's size on every step")
        self.built("recursive", built)
        sizes, growing = anchor, set()
        for _ in range(min(len(anchor.pairs), 5) + 1):
            stepped, _ = self.step(node, scope, name, sizes)
            widths = [max(w, s) for (_, w), (_, s) in zip(sizes.pairs, stepped.pairs, strict=False)]
            growing = {i for i, ((_, w), wider) in enumerate(zip(sizes.pairs, widths, strict=False)) if wider > w}
            sizes = Columns(tuple((n, w) for (n, _), w in zip(sizes.pairs, widths, strict=False)))
        self.gathered = self.gathered or bool(growing)
        result = Columns(tuple((n, self.tracked if i in growing else w) for i, (n, w) in enumerate(sizes.pairs)))
        scope.ctes[name] = result
        return result

    def step(self, node: Tree, scope: _Scope, name: str, columns: Columns) -> tuple[Columns, float]:
        """One step of a recursive CTE, its own rows as wide as ``columns``: its columns, and what it builds."""
        scope.ctes[name] = columns
        with self.trial() as built:
            result = self.query(node.get("right"), scope)
        return result, built[0]

    def select(self, node: Tree, scope: _Scope) -> Columns:
        scope.sources = self.table(node.get("from_table"), scope)
        items = node.get("select_list") or []
        scope.aliases = {str(i.get("alias")).lower(): i for i in items if isinstance(i, dict) and i.get("alias")}
        out: list[tuple[str, float]] = []
        for item in items:
            if item.get("class") == "STAR" and not item.get("expr"):
                out.extend(self.star(item, scope))
                continue
            alias = str(item.get("alias") or "").lower()
            named = bool(alias) and scope.aliases.get(alias) is item
            size = self.alias(alias, scope) if named else self.item(item, scope)
            name = alias or str((item.get("column_names") or [""])[-1]).lower()
            out.append((name, size))
        parts = [items, *(node.get(k) for k in ("where_clause", "having", "qualify", "group_expressions", "modifiers"))]
        if _alias_nodes(parts, scope, {}) > MAX_EXPANDED:
            raise TooLarge(
                f"select-list aliases are named inside one another so often that DuckDB would build over "
                f"{MAX_EXPANDED:,} more expressions to put them in place"
            )
        for key in ("where_clause", "having", "qualify"):
            if node.get(key):
                self.expression(node[key], scope)
        for expression in _sub_expressions([node.get("group_expressions"), node.get("modifiers")]):
            self.expression(expression, scope)
        return Columns(tuple(out))

    def item(self, item: Tree, scope: _Scope) -> float:
        """A select-list item; one that applies a function to COLUMNS(*) builds a result for every column."""
        if not any(n.get("class") == "STAR" and n is not item for n in walk(item, frozenset({"SUBQUERY"}))):
            return self.expression(item, scope)
        count = max(sum(len(c.pairs) for _, c in scope.sources), 1)
        with self.trial() as built:
            size = self.expression(item, scope)
        self.built("COLUMNS", built[0] * count)
        return size

    def star(self, item: Tree, scope: _Scope) -> list[tuple[str, float]]:
        relation = str(item.get("relation_name") or "").lower()
        excluded = {str(e).lower() for e in item.get("exclude_list") or []}
        replaced = {str(r.get("key", "")).lower(): r.get("value") for r in item.get("replace_list") or []}
        out = []
        for alias, columns in scope.sources:
            if relation and alias != relation:
                continue
            for name, size in columns.pairs:
                if name in excluded:
                    continue
                if name in replaced:
                    size = self.expression(replaced[name], scope)
                out.append((name, size))
        return out

    # FROM -----------------------------------------------------------------------------------------------------
    def table(self, ref: Any, scope: _Scope) -> list[tuple[str, Columns]]:
        if not isinstance(ref, dict):
            return []
        kind = ref.get("type")
        alias = str(ref.get("alias") or "").lower()
        renames = ref.get("column_name_alias") or []
        if kind == "JOIN":
            sources = self.table(ref.get("left"), scope) + self.table(ref.get("right"), scope)
            if ref.get("condition"):
                inner = _Scope(outer=scope, sources=sources)
                self.expression(ref["condition"], inner)
            return sources
        if kind == "BASE_TABLE":
            name = str(ref.get("table_name", "")).lower()
            columns = scope.cte(name)
            if columns is None and name in self.views and name not in self.expanding:
                self.expanding.add(name)  # a view is read again wherever it is named: sized each time
                try:
                    columns = self.query(self.views[name], None)
                finally:
                    self.expanding.discard(name)
            if columns is None:
                columns = self.cells.get(name) or Columns((("", self.default_cell),))
            return [(alias or name, columns.renamed(renames))]
        if kind == "SUBQUERY":
            node = (ref.get("subquery") or {}).get("node")
            return [(alias, self.query(node, scope).renamed(renames))]
        if kind == "TABLE_FUNCTION":
            function = ref.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            sizes = [self.expression(a, scope) for a in _arguments(function)]
            width = max(sizes, default=FIXED_BYTES) if name == "unnest" else FIXED_BYTES
            return [(alias or name, Columns(((name, width),)).renamed(renames))]
        if kind == "EXPRESSION_LIST":
            rows = [[self.expression(v, scope) for v in row] for row in ref.get("values") or []]
            count = max((len(r) for r in rows), default=0)
            pairs = tuple((f"col{i}", max((r[i] for r in rows if len(r) > i), default=0.0)) for i in range(count))
            return [(alias, Columns(pairs).renamed(renames))]
        if kind == "EMPTY" or kind is None:
            return []
        # PIVOT and anything else: its sources, and every expression in it sized over them.
        inner = _Scope(outer=scope)
        for key in ("source", "left", "right"):
            inner.sources += self.table(ref.get(key), scope)
        widest = max((self.expression(e, inner) for e in _sub_expressions(ref)), default=0.0)
        wide = max([widest] + [c.widest for _, c in inner.sources])
        return [(alias, Columns((("", wide),)))]

    # Expressions ----------------------------------------------------------------------------------------------
    def expression(self, node: Any, scope: _Scope) -> float:
        if not isinstance(node, dict):
            return 0.0
        self.work += 1
        if self.work > MAX_WORK:
            raise TooLarge("the query is too complex to be sized")
        kind = node.get("class")
        if kind == "CONSTANT":
            found = _literal(node)
            if found and found[0] == "STRING":
                return float(len(found[1].encode()))
            return 0.0 if found and found[0] == "NULL_LITERAL" else float(FIXED_BYTES)
        if kind == "COLUMN_REF":
            return self.column([str(n).lower() for n in node.get("column_names") or []], scope)
        if kind in ("STAR", "POSITIONAL_REFERENCE", "PARAMETER"):
            return self.anything(scope)
        if kind == "FUNCTION":
            return self.function(node, scope)
        if kind == "WINDOW":
            return self.function(node, scope, window=True)
        if kind == "CAST":
            child = self.expression(node.get("child"), scope)
            how, amount = _type_bound(node.get("type_expr"))
            size = amount if how == "fixed" else child * amount + (FIXED_BYTES if how == "scale" else 0)
            return self.built("CAST", size)
        if kind in ("COMPARISON", "CONJUNCTION", "BETWEEN"):
            for child in _inside(node):
                self.expression(child, scope)
            return float(FIXED_BYTES)
        if kind == "CASE":
            sizes = [self.expression(check.get("then_expr"), scope) for check in node.get("case_checks") or []]
            for check in node.get("case_checks") or []:
                self.expression(check.get("when_expr"), scope)
            sizes.append(self.expression(node.get("else_expr"), scope))
            return self.built("CASE", max(sizes))
        if kind == "SUBQUERY":
            columns = self.query((node.get("subquery") or {}).get("node"), scope)
            if node.get("child"):
                self.expression(node["child"], scope)
            return float(FIXED_BYTES) if "EXISTS" in str(node.get("subquery_type")) else columns.widest
        if kind == "COLLATE":
            return self.expression(node.get("child"), scope)
        if kind == "OPERATOR":
            return self.operator(node, scope)
        if kind == "LAMBDA":  # outside a lambda function (DuckDB refuses it): its body
            return self.expression(node.get("expr"), scope)
        # Anything else: no larger than what is inside it.
        return self.built(str(kind).lower(), sum(self.expression(c, scope) for c in _inside(node)))

    def anything(self, scope: _Scope) -> float:
        """An expression that could be any column of the sources in scope."""
        current: _Scope | None = scope
        while current is not None:
            if current.sources:
                return max(c.widest for _, c in current.sources)
            current = current.outer
        return self.default_cell

    def column(self, names: list[str], scope: _Scope) -> float:
        if not names:
            return self.anything(scope)
        current: _Scope | None = scope
        while current is not None:
            if names[0] in current.params:  # a lambda's or macro's parameter (or a field of it)
                return current.params[names[0]]
            found = []
            for alias, columns in current.sources:
                if len(names) > 1 and alias == names[0]:
                    found.append(columns.get(names[1]) or columns.widest)
                size = columns.get(names[0])  # a column, or a struct whose field is named next
                if size is not None:
                    found.append(size)
            if found:
                return max(found)
            if names[0] in current.aliases:
                return self.alias(names[0], current)
            current = current.outer
        return self.anything(scope)

    def alias(self, name: str, scope: _Scope) -> float:
        """A select-list item named by its alias, sized once however often it is named."""
        if name not in scope.alias_sizes:
            scope.alias_sizes[name] = 0.0  # a cycle of aliases: DuckDB refuses it anyway
            scope.alias_sizes[name] = self.item(scope.aliases[name], scope)
        return scope.alias_sizes[name]

    def operator(self, node: Tree, scope: _Scope) -> float:
        kind = str(node.get("type", ""))
        sizes = [self.expression(c, scope) for c in node.get("children") or []]
        if kind.startswith(("COMPARE_", "OPERATOR_IS", "OPERATOR_NOT", "CONJUNCTION")):
            return float(FIXED_BYTES)
        if kind in ("ARRAY_EXTRACT", "ARRAY_SLICE", "STRUCT_EXTRACT", "OPERATOR_TRY"):
            return sizes[0] if sizes else 0.0
        if kind == "OPERATOR_COALESCE":
            return max(sizes, default=0.0)
        if kind == "OPERATOR_UNPACK":
            return sum(c.row for _, c in scope.sources) if scope.sources else max(sizes, default=0.0)
        return self.built(kind.lower(), sum(sizes) + (ELEMENT_BYTES * len(sizes) if kind == "ARRAY_CONSTRUCTOR" else 0))

    def function(self, node: Tree, scope: _Scope, *, window: bool = False) -> float:
        name = str(node.get("function_name", "")).lower()
        arguments = _arguments(node)
        if window:  # the frame's expressions are sized too
            for key in ("partitions", "orders", "start_expr", "end_expr", "offset_expr", "default_expr", "filter_expr"):
                for expression in _sub_expressions(node.get(key)):
                    self.expression(expression, scope)
        rule = RULES.get(name)
        if rule is None and name.startswith(COLLATIONS):
            rule = SORT_KEY
        if rule is None and name in self.catalogue.macros:
            return self.macro(name, arguments, scope)
        if rule is None and name in self.catalogue.fixed:
            for argument in arguments:
                self.expression(argument, scope)
            return self.built(name, FIXED_BYTES)
        if rule is None:
            rule = _scale(8)  # unknown to this table (a newer DuckDB): as if it could build 8 bytes per input byte
        return rule(self, name, arguments, scope)

    def macro(self, name: str, arguments: list[Tree], scope: _Scope) -> float:
        """A macro is sized by its own definition, with its parameters bound to the arguments' sizes."""
        overloads = self.catalogue.macros[name]
        parameters, body = next(((p, b) for p, b in overloads if len(p) == len(arguments)), overloads[0])
        sizes = [self.expression(a, scope) for a in arguments]
        inner = _Scope(
            outer=scope,
            params=dict(zip(parameters, sizes, strict=False)),
            literals={p: a for p, a in zip(parameters, arguments, strict=False) if _literal(a)},
        )
        return self.expression(body, inner)


def _alias_nodes(node: Any, scope: _Scope, done: dict[str, float], visiting: frozenset[str] = frozenset()) -> float:
    """How many expressions DuckDB's binder adds to ``node`` by putting in place every select-list alias it names
    (``a1 = a1`` doubles what a0 takes: a chain of them grows exponentially, and binding is not interrupted)."""
    added = 0.0
    for child in walk(node, frozenset({"SUBQUERY", "LAMBDA"})):
        names = child.get("column_names") if child.get("class") == "COLUMN_REF" else None
        if not names or len(names) != 1:
            continue
        name = str(names[0]).lower()
        if name not in scope.aliases or name in visiting or any(c.get(name) is not None for _, c in scope.sources):
            continue  # a column of the sources is read as such: only an alias that is not one is put in place
        if name not in done:
            definition = scope.aliases[name]
            nodes = sum(1 for _ in walk(definition, frozenset({"SUBQUERY", "LAMBDA"})))
            done[name] = nodes + _alias_nodes(definition, scope, done, visiting | {name})
        added += done[name]
        if added > MAX_EXPANDED:
            break
    return added


# Rules: each sizes a call from its arguments (sizing them, so that what they build is counted too) ----------------
Rule = Callable[[_Sizer, str, list[Tree], _Scope], float]


def _sizes(sizer: _Sizer, arguments: list[Tree], scope: _Scope) -> list[float]:
    return [sizer.expression(a, scope) for a in arguments]


def _fixed(size: float = FIXED_BYTES) -> Rule:
    def rule(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
        _sizes(sizer, arguments, scope)
        return sizer.built(name, size)

    return rule


def _element(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """No larger than its largest argument (a part of it, or one of them)."""
    return sizer.built(name, max(_sizes(sizer, arguments, scope), default=0.0))


def _first(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """No larger than its first argument (a slice, a sorted copy, a trimmed string)."""
    sizes = _sizes(sizer, arguments, scope)
    return sizer.built(name, sizes[0] if sizes else 0.0)


def _sum(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """No larger than its arguments together (concatenation)."""
    return sizer.built(name, sum(_sizes(sizer, arguments, scope)))


def _pack(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """Its arguments together, each an element (or field) of the list, struct or map it makes."""
    sizes = _sizes(sizer, arguments, scope)
    return sizer.built(name, sum(sizes) + ELEMENT_BYTES * len(sizes))


def _scale(factor: float) -> Rule:
    """At most ``factor`` bytes for each byte of its arguments (hex: 2, bin: 8, splitting into a list: 17)."""

    def rule(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
        return sizer.built(name, sum(_sizes(sizer, arguments, scope)) * factor + FIXED_BYTES)

    return rule


def _refused(reason: str) -> Rule:
    def rule(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
        raise TooLarge(f"{name}() {reason}")

    return rule


def _size_argument(arguments: list[Tree], index: int, name: str, *, what: str = "values", limit: int = 0) -> int:
    limit = limit or MAX_SIZE_ARGUMENT
    value = _literal_int(arguments[index]) if len(arguments) > index else None
    if value is None or value > limit:
        if what == "strings":  # the sandbox's long-standing wording for repeat, lpad and rpad
            raise TooLarge(f"{name}() may only build strings of a fixed size up to {limit:,} characters")
        raise TooLarge(f"{name}() may only build {what} of a fixed size up to {limit:,}")
    return max(value, 0)


def _repeat(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    count = _size_argument(arguments, 1, name, what="strings")
    sizes = _sizes(sizer, arguments, scope)
    return sizer.built(name, (sizes[0] if sizes else 0.0) * count + FIXED_BYTES)


def _pad(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """lpad/rpad(s, n, fill): exactly n characters, each as wide as the widest character of s or fill."""
    count = _size_argument(arguments, 1, name, what="strings")
    _sizes(sizer, arguments, scope)
    texts = [_literal_text(a) for a in arguments[:1] + arguments[2:3]]
    if all(t is not None for t in texts):
        width = max((len(ch.encode()) for t in texts for ch in (t or " ")), default=1)
    else:
        width = 4  # UTF-8's widest character
    return sizer.built(name, count * width)


def _resize(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    count = _size_argument(arguments, 1, name, what="lists")
    sizes = _sizes(sizer, arguments, scope)
    fill = sizes[2] if len(sizes) > 2 else 0.0
    return sizer.built(name, sizes[0] + count * (ELEMENT_BYTES + max(fill, FIXED_BYTES)))


def _series(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """range/generate_series as a value (a list): only whole literal numbers, at most MAX_SIZE_ARGUMENT of them."""
    numbers = [_literal_int(a) for a in arguments]
    if not arguments or any(n is None for n in numbers):
        raise TooLarge(f"{name}() as a value may only list whole literal numbers, at most {MAX_SIZE_ARGUMENT:,}")
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (numbers[0], numbers[1], 1)
    if len(numbers) > 2:
        step = numbers[2] or 1
    count = max((stop - start) // step + (1 if name == "generate_series" else 0), 0) if step else 0
    if count > MAX_SIZE_ARGUMENT:
        raise TooLarge(f"{name}() as a value may only list whole literal numbers, at most {MAX_SIZE_ARGUMENT:,}")
    return sizer.built(name, (count + 1) * ELEMENT_BYTES)


def _sized_at(index: int, per_item: float = FIXED_BYTES) -> Rule:
    """A result of n items, where n is argument ``index`` (a literal up to MAX_SIZE_ARGUMENT, default if absent)."""

    def rule(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
        sizes = _sizes(sizer, arguments, scope)
        if len(arguments) <= index:
            return sizer.built(name, max(sizes, default=0.0) + per_item)
        count = _size_argument(arguments, index, name, what="results")
        return sizer.built(name, count * (ELEMENT_BYTES + max([per_item, *sizes[:index]])))

    return rule


def _top_n(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """max(x, n), arg_max(x, y, n), min_by...: one value, or a list of the top n."""
    index = 1 if name in ("max", "min") else 2
    if len(arguments) > index:
        return _sized_at(index)(sizer, name, arguments, scope)
    sizes = _sizes(sizer, arguments, scope)
    return sizes[0] if sizes else 0.0  # one of the values it reads; gathered in DuckDB's own (tracked) state


def _gathered(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """string_agg, list, histogram...: a value from many rows, as large as DuckDB's memory limit lets it grow
    (the aggregate's state is tracked by it); what it is made from is sized as usual."""
    _sizes(sizer, arguments, scope)
    sizer.gathered = True
    return sizer.tracked


def _quantiles(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """quantile(x, [0.1, 0.5]): one value per quantile asked for."""
    sizes = _sizes(sizer, arguments, scope)
    if len(sizes) < 2:
        return sizes[0] if sizes else 0.0
    return sizer.built(name, sizes[0] * max(sizes[1] / FIXED_BYTES, 1.0))


def _product(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """json_extract(j, [paths]), list_select(l, [indexes]): each item of the second argument can be all of the first."""
    sizes = _sizes(sizer, arguments, scope)
    if len(sizes) < 2:
        return sizer.built(name, sizes[0] if sizes else 0.0)
    return sizer.built(name, sizes[0] * max(sizes[1] / FIXED_BYTES, 1.0) + sizes[1])


def _replace(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """replace(s, from, to): each match of ``from`` becomes ``to``: s grows by len(to)/len(from) at most."""
    sizes = _sizes(sizer, arguments, scope)
    if len(sizes) < 3:
        return sizer.built(name, sizes[0] if sizes else 0.0)
    pattern = _literal_text(arguments[1])
    shortest = max(len(pattern.encode()), 1) if pattern else 1
    return sizer.built(name, sizes[0] * max(sizes[2] / shortest, 1.0) + FIXED_BYTES)


def _regexp_replace(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """regexp_replace(s, pattern, replacement): a pattern can match at every position (even empty), and each
    backreference (\\0-\\9) in the replacement copies its match again."""
    sizes = _sizes(sizer, arguments, scope)
    if len(sizes) < 3:
        return sizer.built(name, sizes[0] if sizes else 0.0)
    replacement = _literal_text(arguments[2])
    copies = len(re.findall(r"\\\d", replacement)) if replacement is not None else sizes[2] / 2
    return sizer.built(name, sizes[0] * (1 + sizes[2] + copies) + sizes[2])


def _format(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """printf/format: the format must be literal; each placeholder can show any argument (widest first), padded to
    the width it names; widths taken from arguments (``*``, nested ``{}``) are refused."""
    sizes = _sizes(sizer, arguments, scope)
    text = _literal_text(arguments[0]) if arguments else None
    if text is None:
        raise TooLarge(f"{name}() needs a literal format")
    if name == "printf":
        specs = re.findall(r"%[-+ #0'$\d]*(?:\.(\*|\d*))?[a-zA-Z%]", text)
        if "*" in text.replace("%%", ""):
            raise TooLarge(f"{name}() may not take a width from its arguments")
        widths = [int(w) for w in re.findall(r"%[-+ #0']*(?:\d+\$)?[-+ #0']*(\d+)", text)]
        precisions = [int(p) for p in re.findall(r"\.(\d+)", text)]
        placeholders = len(specs)
    else:
        fields = re.findall(r"\{([^{}]*)\}", text.replace("{{", "").replace("}}", ""))
        if re.search(r"\{[^{}]*\{", text.replace("{{", "").replace("}}", "")):
            raise TooLarge(f"{name}() may not take a width from its arguments")
        widths = [int(w) for f in fields for w in re.findall(r"(\d+)", f.split(":", 1)[1] if ":" in f else "")]
        precisions = []
        placeholders = len(fields)
    largest = max([w for w in widths + precisions] + [0])
    if largest > MAX_SIZE_ARGUMENT:
        raise TooLarge(f"{name}() may only pad to widths up to {MAX_SIZE_ARGUMENT:,}")
    widest = max(sizes[1:], default=0.0)
    return sizer.built(
        name, len(text.encode()) + placeholders * (2 * widest + FIXED_BYTES) + 4 * sum(widths + precisions)
    )


def _strftime(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """strftime: each specifier of the format (2 characters) can print up to ~32 (%c, %Z)."""
    sizes = _sizes(sizer, arguments, scope)
    texts = [i for i, a in enumerate(arguments) if _literal_text(a) is not None]
    format_size = sizes[texts[0]] if texts else max(sizes, default=0.0)
    return sizer.built(name, 32 * format_size + 64)


def _concat_ws(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    sizes = _sizes(sizer, arguments, scope)
    if not sizes:
        return 0.0
    return sizer.built(name, sum(sizes[1:]) + sizes[0] * max(len(sizes) - 2, 0))


def _left_right(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """left(s, n), substring(s, start, n): no more than s, nor than n characters when n is a literal."""
    sizes = _sizes(sizer, arguments, scope)
    count = _literal_int(arguments[-1]) if len(arguments) > 1 else None
    size = sizes[0] if sizes else 0.0
    return sizer.built(name, min(size, 4.0 * count) if count is not None and count >= 0 else size)


def _bar(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    _sizes(sizer, arguments, scope)
    return sizer.built(name, 3 * 1000 + FIXED_BYTES)  # DuckDB refuses widths over 1,000 three-byte blocks


def _to_base(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    _sizes(sizer, arguments, scope)
    count = _size_argument(arguments, 2, name, what="strings") if len(arguments) > 2 else 0
    return sizer.built(name, max(count, 128) + FIXED_BYTES)


def _bitstring(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    sizes = _sizes(sizer, arguments, scope)
    bits = _size_argument(arguments, 1, name, what="bit strings", limit=8 * MAX_SIZE_ARGUMENT)
    return sizer.built(name, sizes[0] + bits / 8 + FIXED_BYTES)


def _list_aggregate(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """list_aggr(l, 'name', ...): the named aggregate over one list, sized as that aggregate over its elements."""
    sizes = _sizes(sizer, arguments, scope)
    literal = _literal_text(arguments[1]) if len(arguments) > 1 else None
    if literal is None and len(arguments) > 1 and arguments[1].get("class") == "COLUMN_REF":
        names = [str(n).lower() for n in arguments[1].get("column_names") or []]
        current: _Scope | None = scope
        while current is not None and literal is None:  # a macro's parameter, bound to a literal name
            if len(names) == 1 and names[0] in current.literals:
                literal = _literal_text(current.literals[names[0]])
            current = current.outer
    if literal is None:
        raise TooLarge(f"{name}() needs the aggregate's name as a literal")
    aggregate = literal.lower()
    if RULES.get(aggregate) is _gathered:  # string_agg, list, histogram: the elements again, with separators
        extra = sum(sizes[2:])
        return sizer.built(name, sizes[0] * (2 + extra) + FIXED_BYTES)
    if aggregate in sizer.catalogue.fixed:
        return sizer.built(name, FIXED_BYTES)
    return sizer.built(name, sizes[0] + FIXED_BYTES)


def _lambda(arguments: list[Tree]) -> tuple[list[str], Tree] | None:
    for argument in arguments:
        if isinstance(argument, dict) and argument.get("class") == "LAMBDA":
            left = argument.get("lhs") or {}
            if left.get("class") == "COLUMN_REF":
                names = [str(left.get("column_names", [""])[-1]).lower()]
            else:
                names = [str((a.get("column_names") or [""])[-1]).lower() for a in _arguments(left)]
            return names, argument.get("expr") or {}
    return None


def _per_element(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> tuple[float, float, float]:
    """Size a lambda over a list's elements: (the list's size, the results together, what the body builds in all).

    The body is sized with its element at the list's size and at twice that: results and what it builds grow at
    most by that slope with the elements' sizes, plus a fixed part for each element (at most one per byte)."""
    found = _lambda(arguments)
    listed = sizer.expression(arguments[0], scope) if arguments else 0.0
    if found is None:
        return listed, listed, 0.0
    names, body = found
    runs = []
    for element in (max(listed, 1.0), 2 * max(listed, 1.0)):
        params = {n: (element if i == 0 else FIXED_BYTES) for i, n in enumerate(names)}
        with sizer.trial() as built:
            result = sizer.expression(body, _Scope(outer=scope, params=params))
        runs.append((element, result, built[0]))
    (e1, r1, b1), (e2, r2, b2) = runs
    slope_result, slope_built = (r2 - r1) / (e2 - e1), (b2 - b1) / (e2 - e1)
    fixed_result, fixed_built = max(r1 - slope_result * e1, 0.0), max(b1 - slope_built * e1, 0.0)
    elements = listed / ELEMENT_BYTES  # every list's size counts at least ELEMENT_BYTES an element
    results = slope_result * listed + (fixed_result + ELEMENT_BYTES) * elements
    built_all = slope_built * listed + fixed_built * elements
    return listed, results, built_all


def _transform(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    _, results, built_all = _per_element(sizer, name, arguments, scope)
    sizer.built(name, built_all)
    return sizer.built(name, results)


def _filter(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    listed, _, built_all = _per_element(sizer, name, arguments, scope)
    sizer.built(name, built_all)
    return sizer.built(name, listed)


def _reduce(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """list_reduce(l, lambda acc, x: ...): the accumulator is fed back in for every element, so it may appear in
    the result at most once (``acc || x`` grows by the elements; ``acc || acc`` doubles each step: refused)."""
    found = _lambda(arguments)
    sizes = _sizes(sizer, [a for a in arguments if a.get("class") != "LAMBDA"], scope)
    listed = sizes[0] if sizes else 0.0
    start = sizes[1] if len(sizes) > 1 else 0.0
    if found is None or len(found[0]) < 2:
        return sizer.built(name, listed)
    (accumulator, element, *rest), body = found
    value, item = max(listed + start, 1.0), max(listed, 1.0)

    def step(acc: float, x: float) -> tuple[float, float]:
        params = {accumulator: acc, element: x, **{r: FIXED_BYTES for r in rest}}
        with sizer.trial() as built:
            result = sizer.expression(body, _Scope(outer=scope, params=params))
        return result, built[0]

    (result, built), (wider_acc, _), (wider_item, _) = step(value, item), step(2 * value, item), step(value, 2 * item)
    if wider_acc - result > value * 1.01:
        raise TooLarge(f"{name}() multiplies its accumulator's size on every step")
    per_acc, per_item = max(wider_acc - result, 0.0) / value, max(wider_item - result, 0.0) / item
    fixed = max(result - per_acc * value - per_item * item, 0.0)
    steps = listed / ELEMENT_BYTES  # every list's size counts at least ELEMENT_BYTES an element
    grown = start + per_item * listed + fixed * steps if per_acc > 0.5 else max(result, start)
    sizer.built(name, built * max(grown / value, 1.0))  # a step's values, at the accumulator's largest
    return sizer.built(name, max(grown, listed))


def _plus(sizer: _Sizer, name: str, arguments: list[Tree], scope: _Scope) -> float:
    """+ and -: numbers (a literal number on either side makes it arithmetic), or list concatenation."""
    sizes = _sizes(sizer, arguments, scope)
    if any(_literal_int(a) is not None or (_literal(a) or ("",))[0] == "NUMERIC" for a in arguments):
        return sizer.built(name, FIXED_BYTES)
    return sizer.built(name, sum(sizes) + FIXED_BYTES)


ELEMENT = _element
FIRST = _first
SUM = _sum
PACK = _pack
GATHER = _gathered
SMALL = _fixed(256)  # names, short fixed texts (dayname, typeof, md5)
SORT_KEY = _scale(4)  # a collation's sort key: a few bytes for each byte of the text
COLLATIONS = ("collate_", "icu_collate_")  # one function per language: sort keys

RULES: dict[str, Rule] = {
    # arithmetic and list concatenation
    "+": _plus, "add": _plus, "-": _plus, "subtract": _plus,
    "&": FIRST, "|": FIRST, "xor": FIRST, "~": FIRST, "<<": FIRST, ">>": FIRST, "set_bit": FIRST,
    # a part of an input, or one of them
    "->>": _product, "array_extract": FIRST, "list_element": FIRST, "list_extract": FIRST, "element_at": FIRST,
    "map_extract": FIRST, "map_extract_value": FIRST, "struct_extract": FIRST, "struct_extract_at": FIRST,
    "union_extract": FIRST, "union_tag": SMALL, "unnest": FIRST, "constant_or_null": FIRST,
    "greatest": ELEMENT, "least": ELEMENT, "switch": ELEMENT, "__internal_barrier": FIRST,
    "left": _left_right, "right": _left_right, "left_grapheme": _left_right, "right_grapheme": _left_right,
    "substring": _left_right, "substr": _left_right, "substring_grapheme": _left_right,
    "ltrim": FIRST, "rtrim": FIRST, "trim": FIRST, "reverse": FIRST, "strip_accents": FIRST,
    "list_slice": FIRST, "array_slice": FIRST, "list_distinct": FIRST, "array_distinct": FIRST,
    "list_sort": FIRST, "array_sort": FIRST, "list_reverse_sort": FIRST, "array_reverse_sort": FIRST,
    "list_intersect": FIRST, "array_intersect": FIRST, "list_where": FIRST, "array_where": FIRST,
    "map_keys": FIRST, "map_values": FIRST, "flatten": FIRST, "url_decode": FIRST, "from_base64": FIRST,
    "from_hex": FIRST, "unhex": FIRST, "unbin": FIRST, "from_binary": FIRST, "decode": FIRST, "encode": FIRST,
    "parse_dirname": FIRST, "parse_dirpath": FIRST, "parse_filename": FIRST, "json_remove": FIRST,
    "json_strip_nulls": FIRST, "variant_extract": FIRST, "variant_bytes_to_variant": FIRST,
    "st_asbinary": FIRST, "st_aswkb": FIRST,
    "regexp_extract": _product, "json_extract": _product, "json_extract_path": _product,
    "json_extract_path_text": _product, "json_extract_string": _product, "json_value": _product,
    "list_select": _product, "array_select": _product, "variant_extract_string": _product,
    # together no larger than the inputs
    "||": SUM, "concat": SUM, "list_value": PACK, "list_pack": PACK, "array_value": PACK, "struct_pack": PACK,
    "row": PACK, "struct_concat": SUM, "struct_insert": PACK, "struct_update": PACK, "struct_values": SUM,
    "union_value": PACK, "map": SUM, "map_from_entries": SUM, "map_concat": SUM, "list_concat": SUM, "list_cat": SUM,
    "array_cat": SUM, "array_concat": SUM, "list_zip": SUM, "array_zip": SUM, "json_merge_patch": SUM,
    "json_merge_patch_diff": SUM, "json_deep_merge": SUM, "json_insert": SUM, "json_set": SUM, "json_replace": SUM,
    "remap_struct": SUM, "replace_type": SUM, "cast_to_type": SUM, "path_join": SUM, "unpivot_list": SUM,
    "overlay": SUM, "st_setcrs": SUM, "map_entries": _scale(2), "date_part": _scale(2), "datepart": _scale(2),
    "concat_ws": _concat_ws,
    # a known factor of the inputs
    "lower": _scale(1.5), "upper": _scale(1.5), "lcase": _scale(1.5), "ucase": _scale(1.5),
    "nfc_normalize": _scale(3), "translate": _scale(4), "hex": _scale(2), "to_hex": _scale(2), "bin": _scale(8),
    "to_binary": _scale(8), "base64": _scale(2), "to_base64": _scale(2), "url_encode": _scale(3),
    "regexp_escape": _scale(2), "to_json": _scale(6), "array_to_json": _scale(6), "row_to_json": _scale(6),
    "json_quote": _scale(6), "json_array": _scale(6), "json_object": _scale(6), "json_structure": _scale(8),
    "json_keys": _scale(17), "json_type": _scale(2), "json_exists": _scale(2), "json_array_length": _scale(2),
    "json_normalize": _scale(2), "json_transform": _product, "json_transform_strict": _product,
    "from_json": _product, "from_json_strict": _product, "variant_keys": _scale(17), "variant_type": _scale(2),
    "variant_exists": _scale(2), "variant_array_length": _scale(2), "variant_normalize": _scale(2),
    "variant_to_parquet_variant": _scale(2), "variant_comparator": _scale(4),
    "string_split": _scale(17), "str_split": _scale(17), "string_to_array": _scale(17), "split": _scale(17),
    "regexp_split_to_array": _scale(17), "str_split_regex": _scale(17), "string_split_regex": _scale(17),
    "regexp_extract_all": _scale(17), "parse_path": _scale(17), "grade_up": _scale(8), "list_grade_up": _scale(8),
    "array_grade_up": _scale(8), "create_sort_key": _scale(4), "index_key": _scale(4), "icu_sort_key": _scale(4),
    "bitstring_byte_comparable": _scale(4), "st_astext": _scale(8), "st_aswkt": _scale(8),
    "st_asgeojson": _scale(8), "st_geomfromgeojson": _scale(2), "st_geomfromwkb": _scale(2), "__cast": _scale(8),
    # fixed, short texts
    "md5": SMALL, "sha1": SMALL, "sha256": SMALL, "typeof": SMALL, "vector_type": SMALL, "alias": SMALL,
    "version": SMALL, "current_database": SMALL, "current_schema": SMALL, "current_schemas": SMALL,
    "dayname": SMALL, "monthname": SMALL, "enum_first": SMALL, "enum_last": SMALL, "enum_code": SMALL,
    "format_bytes": SMALL, "formatreadablesize": SMALL, "formatreadabledecimalsize": SMALL, "chr": SMALL,
    "get_type": SMALL, "make_type": SMALL, "st_crs": SMALL, "variant_typeof": SMALL,
    "hive_partition_component": SMALL, "array_cross_product": SMALL, "stats": _fixed(4096),
    "__internal_decompress_string": FIRST, "__internal_decompress_geometry_point": FIRST,
    "__internal_compressed_materialization_cast": FIRST,
    # a size, width or count argument: small literal numbers only
    "repeat": _repeat, "lpad": _pad, "rpad": _pad, "list_resize": _resize, "array_resize": _resize,
    "range": _series, "generate_series": _series, "equi_width_bins": _sized_at(2), "bitstring": _bitstring,
    "to_base": _to_base, "bar": _bar, "printf": _format, "format": _format, "strftime": _strftime,
    # a replacement that can be longer than what it replaces
    "replace": _replace, "regexp_replace": _regexp_replace,
    # lambdas
    "list_transform": _transform, "array_transform": _transform, "list_apply": _transform,
    "array_apply": _transform, "apply": _transform, "list_filter": _filter, "array_filter": _filter,
    "filter": _filter, "list_reduce": _reduce, "array_reduce": _reduce, "reduce": _reduce,
    "list_aggr": _list_aggregate, "list_aggregate": _list_aggregate, "array_aggr": _list_aggregate,
    "array_aggregate": _list_aggregate, "aggregate": _list_aggregate,
    # aggregates that gather rows into one value (tracked by DuckDB's memory limit while they run)
    "string_agg": GATHER, "group_concat": GATHER, "listagg": GATHER, "list": GATHER, "array_agg": GATHER,
    "histogram": GATHER, "histogram_exact": GATHER, "variant_group_object": GATHER,
    # aggregates and window functions that return one of the values they read, or the top n
    "first": FIRST, "last": FIRST, "any_value": FIRST, "arbitrary": FIRST, "median": FIRST, "mode": FIRST,
    "first_value": FIRST, "last_value": FIRST, "nth_value": FIRST, "fill": FIRST, "lag": ELEMENT, "lead": ELEMENT,
    "max": _top_n, "min": _top_n, "arg_max": _top_n, "arg_min": _top_n, "argmax": _top_n, "argmin": _top_n,
    "max_by": _top_n, "min_by": _top_n, "arg_max_null": _top_n, "arg_min_null": _top_n,
    "arg_max_nulls_last": _top_n, "arg_min_nulls_last": _top_n, "bit_and": FIRST, "bit_or": FIRST,
    "bit_xor": FIRST, "sum": _fixed(64), "quantile": _quantiles, "quantile_disc": _quantiles,
    "approx_quantile": _quantiles, "reservoir_quantile": _quantiles, "approx_top_k": _sized_at(1),
    "lttb": _sized_at(2, 2 * FIXED_BYTES),
    # refused: their size is not set by anything the query states
    "json_pretty": _refused("indents each level of nesting again, so its result can grow with the square of its input"),
    "json_serialize_sql": _refused("is not needed for questions"),
    "json_serialize_plan": _refused("is not needed for questions"),
    "json_deserialize_sql": _refused("is not needed for questions"),
    "bitstring_agg": _refused("builds a bit string as wide as the range of its values"),
    "enum_range": _refused("lists every value of a type"),
    "enum_range_boundary": _refused("lists every value of a type"),
    "combine": _refused("works on aggregate states, which the sandbox does not size"),
    "finalize": _refused("works on aggregate states, which the sandbox does not size"),
    "combine_aggr": _refused("works on aggregate states, which the sandbox does not size"),
    "to_aggregate_state": _refused("works on aggregate states, which the sandbox does not size"),
    "invoke": _refused("is not needed for questions"),
    "write_log": _refused("is not needed for questions"),
    "parse_duckdb_log_message": _refused("is not needed for questions"),
    "__internal_json_copy_to_json": _refused("is internal to DuckDB"),
    "__internal_json_copy_to_geojson": _refused("is internal to DuckDB"),
    "current_query": _refused("is not needed for questions"),
    "current_setting": _refused("reveals server settings"),
    "getvariable": _refused("reveals server settings"),
    "struct_keys": _fixed(4096),
}  # fmt: skip


def check_value_sizes(
    node: Tree, cells: Mapping[str, Columns], views: Mapping[str, Tree], tracked_bytes: float
) -> None:
    """Refuse (``TooLarge``) a query (the ``node`` of DuckDB's parse) whose built values could pass ``ROW_BUDGET``
    per row. ``cells``: each table's columns with their largest value; ``views``: each saved view's parsed query;
    ``tracked_bytes``: how large a value that DuckDB's memory limit tracks (an aggregate's) can grow."""
    sizer = _Sizer({k.lower(): v for k, v in cells.items()}, {k.lower(): v for k, v in views.items()}, tracked_bytes)
    try:
        sizer.query(node, None)
    except RecursionError:
        raise TooLarge("the query is nested too deeply to be sized") from None
