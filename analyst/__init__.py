"""Question -> SQL -> result -> chart -> insight. No Streamlit."""
