"""The floor every job stands on: errors, permissions, audit, keys and encryption, settings,
text and general checks, dates, paging, translation, records, exports, the spreadsheet reader."""
