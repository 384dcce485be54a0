"""The app server's garbage-collector settings, chosen on purpose (measured in docs/deploy.md).

Streamlit's ``runner.postScriptGC`` (a full ``gc.collect(2)`` after every script run) is switched off in
``.streamlit/config.toml`` and by ``simulator serve``: its cost grows with every live object in the
process, so with a class of open pages it was most of the server's CPU. Instead, on the first script
run of the process everything imported so far (Streamlit, pandas, numpy, plotly, the scenarios) is
moved out of the collector's sight with :func:`gc.freeze`; Python's own generational collection still
reclaims the garbage of the sessions.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_once() -> bool:
    """Collects once and freezes the objects alive after start-up; True only on the call that did it.

    >>> freeze_once() in (True, False) and freeze_once() is False
    True
    """
    global _frozen
    with _lock:
        if _frozen:
            return False
        _frozen = True
    gc.collect()
    gc.freeze()
    return True
