"""End-to-end fixtures: one stack per module, always torn down."""
