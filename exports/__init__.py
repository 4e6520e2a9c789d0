"""Exporting a conversation: a Markdown report, and a Python script that reproduces every query and chart."""
