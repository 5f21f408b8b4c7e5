"""Projections: read models (SLA compliance, audit history) built only from domain events."""
