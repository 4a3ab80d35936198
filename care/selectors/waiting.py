"""Selectors (scoped reads) for this part of the co-production triangle."""
