"""The frozen registry and what is computed from it.

Lookup, dependency edges, graph facts, validation and ``describe``. It reads
the registration layer and never imports the compiler or the runtime.
"""
