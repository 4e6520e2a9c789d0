"""Reaching models: endpoint types, clients, retries, error mapping, health checks. No Streamlit."""
