"""What runs while an application resolves: provider, scope, disposal.

Scope storage, the context scope manager, overrides and ``invoke``. The top
internal layer: it may import every layer below it.
"""
