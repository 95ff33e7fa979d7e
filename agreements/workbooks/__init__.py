"""Subscribers in spreadsheets: the template, bulk add and bulk edit uploads, and exports.

An upload follows the rules of the Add subscriber panel row by row (the same form, the same
services) and is written all or nothing: if any row is wrong, nothing is saved and the
uploader gets their own workbook back with each bad row's problem in its Error message
column. Small workbooks are processed in the request; larger ones by a Celery worker, which
reads the file from the database and reports its progress there.

The file comes from anyone who can reach the page, so reading it is defensive:
- its size, the size it unpacks to (read from the zip directory, before any XML is parsed:
  zipfile never inflates a member past its declared size) and its rows are limited;
  macro-enabled workbooks are refused;
- only the values a spreadsheet last saved are read (openpyxl's `data_only`): no formula,
  macro or external link is evaluated or followed, and a formula without a saved value is a
  row error; openpyxl parses the XML with defusedxml.

Writing a workbook or a CSV file is defensive too: a text that a spreadsheet could take for
a formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, and
in .xlsx is also written as a string cell. The string cell alone is never evaluated when the
file is opened, but a user who edits the cell would turn it into a live formula, and CSV has
no cell types at all. Uploads drop that apostrophe again, so an exported workbook comes back
unchanged.
"""
