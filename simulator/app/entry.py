"""The Streamlit entry used by ``simulator serve`` when installed without the checkout."""

from simulator.app.ui import run

run()
