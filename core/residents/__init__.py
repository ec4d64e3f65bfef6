"""居民登记: residents and households of the grids, who they are, their history, the roster import."""
