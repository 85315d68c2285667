"""Data in: the office's spreadsheets (organisations, committees, accounts, declarations) read
as rows, checked as a whole, and written all at once or not at all."""
