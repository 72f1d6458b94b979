"""Domain rules in plain Python: no Reflex, FastAPI or provider SDK imports here."""
