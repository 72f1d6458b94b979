"""The Reflex dashboard: thin states calling services, function components, one module per page."""
