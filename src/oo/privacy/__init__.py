"""Privacy: the egress ledger, export and forget."""
