"""The Streamlit app: pages and their UI parts, on top of every other layer."""
