"""Services (writes) for this part of the co-production triangle."""
