"""The office itself: staff accounts and sign-in, communities and grids, first start."""
