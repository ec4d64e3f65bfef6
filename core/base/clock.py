"""The one place Linli asks for the time, so tests can freeze it.

Times are naive local server time, the same clock streamlit-authenticator uses for
its cookie's exp_date.
"""

from __future__ import annotations

from datetime import datetime


def now() -> datetime:
    return datetime.now().replace(microsecond=0)
