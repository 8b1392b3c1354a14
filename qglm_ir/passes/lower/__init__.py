"""Lowering passes: canonicalization and the steps from the high-level IR to executable form."""
