"""Linli's domain: rules and services. Never imports streamlit."""
