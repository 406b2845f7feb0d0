"""What crosses the seams between the parts: the QR payload formats and the field formats
that the server and the kiosk both check. It imports nothing of the parts themselves, so
the office server, the kiosk and (later) the regency hub can all depend on it.
"""
