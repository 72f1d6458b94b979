"""`campaign-dashboard bench ...`: benchmarks that run the real app against a fresh database."""
