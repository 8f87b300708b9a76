"""Resident pages: server-rendered, work without JavaScript, no inline script or style (the CSP)."""
