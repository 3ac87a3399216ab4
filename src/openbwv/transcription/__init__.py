"""Transcripts: offline speech-to-text of every recording, versioned, searchable (docs/transcription.md)."""
