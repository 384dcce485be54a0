"""The Streamlit entry used by ``simulator serve`` when installed without the checkout."""

from simulator.ui import run

run()
