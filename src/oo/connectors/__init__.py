"""Connectors: one module per provider behind one interface (`oo.connectors.base`).

Kept empty on purpose: importing this package loads nothing heavy.
"""
