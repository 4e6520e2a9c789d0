"""What outlives one answer: conversations kept across reloads, and answers shared by link. No Streamlit."""
