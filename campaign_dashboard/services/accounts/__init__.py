"""Accounts: who may use the dashboard and the API, and what they did.

Owns users, passwords, login throttling and sessions (`users`), API tokens (`tokens`), roles
(`roles`) and the audit log (`audit`).
"""
