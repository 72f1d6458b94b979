"""Audience: the people campaigns go to and who may not be reached.

Owns contacts (`contacts`, `contact_search`, `contact_history`), CSV import and export
(`csv_import`, its file checks `csv_file`, `csv_export`), segments and their rules (`segments`,
`segment_rules`, `segment_summaries`), mirroring segments to the provider (`segment_mirror`, its
rate-limited calls and lease `segment_mirror_calls`), suppressions
(`suppressions`), subscription status after opt-outs (`opt_outs`), staff subscription changes
(`subscriptions`) and the consent ledger with its rules (`consent`, `consent_rules`).
"""
