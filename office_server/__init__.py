"""Loket Desa office server: requests, letters, queue and archive for one village office."""
