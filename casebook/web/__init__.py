"""The analysts' and operators' HTTP API and dashboard (`casebook serve`).

`app.py` builds the FastAPI application, `auth.py` checks bearer tokens and roles,
`reports.py` reads the durable views and the event store, `static/` is the dashboard.
"""

from __future__ import annotations

from casebook.web.app import create_app

__all__ = ["create_app"]
