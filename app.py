"""The Streamlit entry (``streamlit run app.py``): a router only; see :mod:`simulator.app.ui`."""

from simulator.app.ui import run

run()
