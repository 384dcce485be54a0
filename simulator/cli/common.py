"""What every ``simulator`` subcommand shares: the exit codes (the errors they raise are
:class:`simulator.assessment.answers.BadInput`).

>>> EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT
(0, 1, 2)
"""

from __future__ import annotations

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2
"""Success; a bug (one line on stderr); bad input (one plain line per problem, never a traceback)."""
