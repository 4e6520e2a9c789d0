"""Where untrusted SQL runs; imports no Streamlit: each session's locked-down DuckDB database
(``database``) and the guard that judges every statement on DuckDB's own parse (``guard``)."""
