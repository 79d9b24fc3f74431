"""The ingestion example's services, for ``python -m wiredi graph``.

``app.build_services`` takes the configuration, and the command line needs
something it can call without arguments: ``services`` below. Run it from
this folder:

    cd examples/complex_ingest
    python -m wiredi graph diagram:services
    python -m wiredi graph diagram:services --format text
"""

from __future__ import annotations

from app import build_services, load_configuration

from wiredi import ServiceCollection


def services() -> ServiceCollection:
    """Return the collection ``app.py`` runs with (``APP__*`` variables ignored)."""
    return build_services(load_configuration(environ={}))
