"""The Streamlit entry (``streamlit run app.py``): a router only; see :mod:`simulator.ui`."""

from simulator.ui import run

run()
