"""Audience: the people campaigns go to and who may not be reached.

Owns contacts (`contacts`, `contact_search`, `contact_history`), CSV import and export
(`csv_import`, `csv_export`), segments and their rules (`segments`, `segment_rules`,
`segment_summaries`), mirroring segments to the provider (`segment_mirror`), suppressions
(`suppressions`) and subscription status after opt-outs (`opt_outs`).
"""
