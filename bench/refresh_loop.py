#!/usr/bin/env python3
"""Asks computefit for a rates refresh over and over, for scripts/bench and scripts/soak.

POST /pricing/refresh with the admin token on one kept-alive connection, then a pause, until
STOPFILE exists; then prints "accepted busy other" (202s, 409s - a refresh still running - and
anything else). One process and one connection instead of a curl per request, so that the loop
itself costs the machine almost nothing next to the load it sits beside.
Usage: refresh_loop.py BASE_URL TOKEN PAUSE_SECONDS STOPFILE
"""
import http.client
import os
import sys
import time
import urllib.parse

base, token, pause, stopfile = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlsplit(base)
counts = {"accepted": 0, "busy": 0, "other": 0}
conn = None
while not os.path.exists(stopfile):
    try:
        if conn is None:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("POST", "/pricing/refresh", headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        r.read()
        key = {202: "accepted", 409: "busy"}.get(r.status, "other")
        counts[key] += 1
        if key == "other":
            print("refresh_loop: HTTP %d" % r.status, file=sys.stderr)
    except (OSError, http.client.HTTPException) as e:
        counts["other"] += 1
        print("refresh_loop: %s" % e, file=sys.stderr)
        conn = None
    time.sleep(pause)
print(counts["accepted"], counts["busy"], counts["other"])
