"""Judging endpoints on the question pipeline; imports no Streamlit: the accuracy score on reference
questions, side-by-side comparisons, and whether two results hold the same answer."""
