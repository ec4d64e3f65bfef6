"""Streamlit glue shared by the pages: current user, auth gate, tables, forms, messages."""
