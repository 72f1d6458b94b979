"""One router module per resource (each with its own prefix); mounted in `api.app`."""
