"""The auditors' evidence: exporting a case's stored events with their hash chain and the
history digest (`export`), and checking an export offline, trusting nothing but the file
(`verify`). Used by `casebook audit` and the API's audit routes.
"""
