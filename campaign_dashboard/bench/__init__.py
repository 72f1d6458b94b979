"""`campaign-dashboard bench ...`: benchmarks that run the real processes against a throwaway database
and print what they measured. Goals and results: docs/benchmarks.md."""
