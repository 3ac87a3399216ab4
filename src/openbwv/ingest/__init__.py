"""Getting footage in: tus resumable uploads, bulk import, device protocols."""
