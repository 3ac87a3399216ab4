"""Transcripts: offline speech-to-text of every recording, versioned and searchable
(docs/transcription.md)."""
