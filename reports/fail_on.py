"""The `--fail-on` conditions: parse 'spam_share>0.2,risky_pages>=1' and check an audit."""

from __future__ import annotations

import operator
import re
from typing import TYPE_CHECKING

from reports.audit.config import AuditError
from reports.render import AuditSummary

if TYPE_CHECKING:
    from collections.abc import Callable


_FAIL_ON = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*([0-9.eE+-]+)\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def parse_fail_on(expression: str) -> list[tuple[str, str, float]]:
    """Parse 'spam_share>0.2,risky_pages>=1' into conditions; AuditError names a bad part."""
    metrics = sorted(AuditSummary("", "", "", 0, 0, 0, 0.0, 0.0, 0, 0, 0, 0).metrics())
    conditions = []
    for part in expression.split(","):
        match = _FAIL_ON.match(part)
        if match is None:
            raise AuditError(
                f"--fail-on: {part.strip()!r} is not METRIC OP NUMBER (e.g. spam_share>0.2)"
            )
        name, op, number = match.groups()
        if name not in metrics:
            raise AuditError(f"--fail-on: unknown metric {name!r}; known: {', '.join(metrics)}")
        try:
            value = float(number)
        except ValueError as err:
            raise AuditError(f"--fail-on: {number!r} is not a number") from err
        conditions.append((name, op, value))
    return conditions


def failed_conditions(summary: AuditSummary, conditions: list[tuple[str, str, float]]) -> list[str]:
    """The conditions that hold for this audit, as text ('spam_share 0.41 > 0.2')."""
    metrics = summary.metrics()
    return [
        f"{name} {metrics[name]:g} {op} {value:g}"
        for name, op, value in conditions
        if _OPS[op](metrics[name], value)
    ]
