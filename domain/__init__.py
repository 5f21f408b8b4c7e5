"""Domain: intake messages, the Case aggregate, its events and the policy. Pure: no I/O, no clock."""
