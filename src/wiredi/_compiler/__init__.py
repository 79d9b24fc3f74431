"""Turning the graph into resolver functions.

Templates, code generation, singleton and wait machinery, raising resolvers,
the entry tables and the resolution-context objects the compiled code uses.
It imports the graph and registration layers, never the runtime.
"""
