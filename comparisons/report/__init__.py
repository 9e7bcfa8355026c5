"""The report: HTML and Markdown built only from stored results and the pipeline files."""
