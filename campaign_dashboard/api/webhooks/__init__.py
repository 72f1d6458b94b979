"""Provider callbacks: each module verifies the signature on the raw body, then calls services."""
