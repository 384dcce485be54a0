"""Checking numbers, multi-field answers and tables against a key, with feedback that never reveals it.

Shared by every task kind, and split by what is checked; this module gathers the public names so a task
kind needs one import:

- :mod:`simulator.engine.fieldspec`: :class:`FieldSpec`, how one field or column is checked;
- :mod:`simulator.engine.numbers`: one number: tolerance, the precision rule, misconceptions, feedback;
- :mod:`simulator.engine.fields`: multi-field answers (field: value), partial credit by weight;
- :mod:`simulator.engine.table_check`: tables, rows matched on key columns, one credit per cell.

>>> number_matches(0.0677, 0.067742, tolerance=0.0001, precision=4)
True
>>> check_number("6.77", 0.0677, unit="ratio", tolerance=0.005, precision=4)[1][0].key
'check.percent_slip'
"""

from __future__ import annotations

from simulator.engine.fields import check_fields, is_blank, norm_text, parse_fields, parse_value, score_value
from simulator.engine.fieldspec import FieldKind, FieldSpec, column_msg
from simulator.engine.numbers import (
    Probe,
    Separation,
    abs_tolerance,
    acceptance_width,
    check_number,
    coarser_precision,
    diagnose,
    format_number,
    is_percent_slip,
    matching_alternatives,
    number_matches,
    precision_matches,
    precision_msg,
    rounding_msg,
    separates,
    separations,
    to_float,
    typed_like,
)
from simulator.engine.table_check import check_table, find_column, listing, norm_key, prepare_table

__all__ = [
    "FieldKind", "FieldSpec", "Probe", "Separation", "abs_tolerance", "acceptance_width", "check_fields",
    "check_number", "check_table", "coarser_precision", "column_msg", "diagnose", "find_column",
    "format_number", "is_blank", "is_percent_slip", "listing", "matching_alternatives", "norm_key",
    "norm_text", "number_matches", "parse_fields", "parse_value", "precision_matches", "precision_msg",
    "prepare_table", "rounding_msg", "score_value", "separates", "separations", "to_float", "typed_like",
]
