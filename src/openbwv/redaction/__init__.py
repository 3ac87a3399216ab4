"""Redaction: faces and plates found and tracked, decisions per track with reasons, boxes drawn
by hand, audio ranges, and rendered redacted copies with their logs (docs/redaction.md)."""
