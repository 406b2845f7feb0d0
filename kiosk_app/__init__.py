"""Loket Desa kiosk: a Kivy touchscreen app that scans pickup QRs, prints letters and tickets.

It talks to the office server only through ``kiosk_app.api_client`` and never imports
``office_server`` (the server may run on another machine on the LAN).
"""
