"""Officers and cameras as CSV files: the format, importing (API, page, CLI) and exporting."""
