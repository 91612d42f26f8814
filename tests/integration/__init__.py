"""Checks of a deployed stack: pure checks (`checks`), SigV4 requests (`signing`) and the live tests."""
