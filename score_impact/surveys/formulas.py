"""KPI formulas: a rate computed by the app from the raw counts a manager enters.

Managers enter components (leavers, headcount at the start and end of the month, hours
worked, units inspected and rejected ...), never rates: that removes the commonest KPI
error in SME data (arithmetic and the wrong denominator), allows pooled rates and makes
every figure reproducible. A formula is plain arithmetic over input ids, e.g.
``100 * leavers / ((headcount_start + headcount_end) / 2)``; it is parsed with Python's
``ast`` and only numbers, input names, ``+ - * /`` and brackets are accepted, so a
definition can never run code.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping
from functools import cache

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class FormulaError(ValueError):
    """A formula uses something other than numbers, input names, + - * / and brackets."""


@cache
def _parse(formula: str) -> ast.Expression:
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"formula '{formula}' is not valid arithmetic") from exc
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Name, ast.Load)
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                raise FormulaError(f"formula '{formula}': only numbers are allowed as constants")
        elif isinstance(node, ast.operator):
            if type(node) not in _OPS:
                raise FormulaError(f"formula '{formula}': only + - * / are allowed")
        elif not isinstance(node, allowed):
            raise FormulaError(f"formula '{formula}': '{ast.unparse(node)}' is not allowed")
    return tree


def names(formula: str) -> set[str]:
    """The input ids a formula reads (raises :class:`FormulaError` for a bad formula)."""
    return {n.id for n in ast.walk(_parse(formula)) if isinstance(n, ast.Name)}


def evaluate(formula: str, values: Mapping[str, float | None]) -> float | None:
    """The formula's value, or None when an input is missing or a denominator is zero
    (a rate that cannot be computed is missing, never 0 or infinity)."""

    def calc(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return calc(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            value = values.get(node.id)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                raise LookupError(node.id)
            return float(value)
        if isinstance(node, ast.UnaryOp):
            return -calc(node.operand)
        assert isinstance(node, ast.BinOp)
        return _OPS[type(node.op)](calc(node.left), calc(node.right))

    try:
        result = calc(_parse(formula))
    except (LookupError, ZeroDivisionError):
        return None
    return result if math.isfinite(result) else None
