"""The bottom layer: shared result types, message catalogs, caching, limits and seeds.

It imports nothing else of ``simulator``.
"""
