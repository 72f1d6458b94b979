"""Operations: is the system running? Worker heartbeats (`workers`) and the snapshot `/metrics`
reports (`system_metrics`).
"""
