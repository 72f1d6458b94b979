"""`campaign-dashboard bench ...`: benchmarks that run the real processes (emulator, workers, app)
against a throwaway database and print what they measured. Goals and results: docs/benchmarks.md.

Shared pieces: `processes` (child processes that are always cleaned up, RSS/CPU sampling) and
`database` (a fresh migrated database, contacts inserted set-based). Their command lines are in
`campaign_dashboard/cli/bench.py`, which imports these modules only when a benchmark runs."""
