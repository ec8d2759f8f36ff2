"""Paper fallback for when tablets run out: printable questionnaires and the numeric keys
a trainer types back in (no Streamlit, no database)."""
