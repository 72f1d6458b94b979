"""Events: what providers and people tell us after a send.

Owns applying email and SMS delivery events (`email_events`, `sms_events`) in one transaction with
the campaign counters (`counters`) and the precedence of out-of-order states (`precedence`);
replies, bounce notices and STOP/START/HELP (`inbound`, `received_emails`, `replies`); unsubscribe
links (`unsubscribe`); and events stored once or kept as dead letters (`dead_letters`,
`dead_letter_replay`).
"""
