"""How clearly a generated key must win, so a trainee's rounding can never turn a right answer wrong.

Kinds that pick a best option or line (``choice``, ``budget_table``, ``matrix_review``, ``risk_review``)
refuse data where the right one is within :data:`MARGIN` of another.

>>> MARGIN
0.02
"""

from __future__ import annotations

MARGIN = 0.02
"""Smallest gap, relative to the larger value (or the threshold), between the right option and any other."""
