"""Plain coordinates for a map written with spatial functions.

Small models answer "show them on a map" with PostGIS: ``ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)``.
The sandbox loads no spatial extension, so DuckDB says the function does not exist. When it does, each selected
expression built from ST_ functions becomes the plain columns it was given (the app draws the map from latitude
and longitude), in DuckDB's parse, and a GROUP BY or ORDER BY of it (``GROUP BY geom``) goes with it: grouped by
those columns, not ordered by them. The query runs again at once, without a model call. A spatial function
anywhere else (a filter on a distance) is left to the model's repair.
"""

from __future__ import annotations

from analyst.corrections.situation import Correction, Situation
from analyst.duckdb_errors import missing_spatial_function
from sandbox.database import SessionDatabase
from sandbox.syntax_tree import Tree, deserialized, serialized_statement, walk

NOTE = "The sandbox has no spatial functions: the app selected the coordinates they were given, to draw the map."


def _spatial(tree: object) -> bool:
    return any(
        n.get("class") == "FUNCTION" and str(n.get("function_name", "")).lower().startswith("st_") for n in walk(tree)
    )


def _plain_columns(item: Tree) -> list[Tree]:
    found: dict[str, Tree] = {}
    for node in walk(item):
        if node.get("class") == "COLUMN_REF" and node.get("column_names"):
            name = str(node["column_names"][-1])
            found.setdefault(name.lower(), {"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "",
                                             "column_names": [name]})  # fmt: skip
    return list(found.values())


def _names(expression: Tree, gone: dict[str, list[Tree]]) -> list[Tree] | None:
    """The columns a GROUP BY or ORDER BY item stands for when it names a replaced expression, else None."""
    names = expression.get("column_names") or []
    if expression.get("class") == "COLUMN_REF" and len(names) == 1 and str(names[0]).lower() in gone:
        return gone[str(names[0]).lower()]
    return _plain_columns(expression) if _spatial(expression) else None


def _without_replaced(node: Tree, gone: dict[str, list[Tree]]) -> bool:
    """Group by the replaced expressions' columns and drop the orders by them (``GROUP BY geom ORDER BY geom``);
    False when a grouping set other than the plain one would have to change."""
    keys: list[Tree] = []
    changed = False
    for key in node.get("group_expressions") or []:
        columns = _names(key, gone)
        changed |= columns is not None
        keys += [c for c in (columns if columns is not None else [key]) if c not in keys]
    if changed:
        if len(node.get("group_sets") or []) > 1:
            return False
        node["group_expressions"], node["group_sets"] = keys, [list(range(len(keys)))]
    for modifier in node.get("modifiers") or []:
        if modifier.get("type") == "ORDER_MODIFIER":
            modifier["orders"] = [o for o in modifier["orders"] if _names(o.get("expression") or {}, gone) is None]
    node["modifiers"] = [m for m in node.get("modifiers") or [] if m.get("type") != "ORDER_MODIFIER" or m["orders"]]
    return True


def suggest_spatial_fix(sql: str, error: str, db: SessionDatabase) -> Correction | None:
    """``sql`` with its selected ST_ expressions replaced by their columns, or None."""
    if not missing_spatial_function(error):
        return None
    tree = serialized_statement(sql, db.internal_query)
    if tree is None:
        return None
    node = tree["statements"][0]["node"]
    if node.get("type") != "SELECT_NODE":
        return None
    select: list[Tree] = []
    gone: dict[str, list[Tree]] = {}  # the alias of each replaced expression -> the columns it was given
    for item in node["select_list"]:
        if _spatial(item):
            columns = _plain_columns(item)
            select += [c for c in columns if c not in select]
            if item.get("alias"):
                gone[str(item["alias"]).lower()] = columns
        else:
            select.append(item)
    node["select_list"] = select
    if not _without_replaced(node, gone) or not select or _spatial(tree):
        return None
    fixed = deserialized(tree, db.internal_query)
    return Correction(fixed, NOTE) if fixed else None


def correct_spatial(situation: Situation) -> Correction | None:
    """The step: a map drawn with spatial functions the sandbox does not have."""
    return suggest_spatial_fix(situation.sql, situation.error, situation.db)
