"""What users declare: the collection, registrations, lifetimes, hints.

The bottom layer of the container. It knows nothing of graphs, compiled
code or scopes; it imports only ``wiredi.config``, ``wiredi.errors`` and
``wiredi._rendering``.
"""
