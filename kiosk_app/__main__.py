import sys

from kiosk_app.main import run

sys.exit(run(prog="python -m kiosk_app"))
