#!/usr/bin/env python3
"""Per configuration, target service and fault kind: how the runs of a campaign ended.

Usage: scripts/campaign-table.py campaign.jsonl   (the output of `grantix campaign`)
Only runs whose fault actually fired are counted.
"""
import collections
import json
import sys

rows = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1] if len(sys.argv) > 1 else "campaign.jsonl"):
    r = json.loads(line)
    if not r["fired"]:
        continue
    service, kind = r["inject"].split(":")[:2]
    c = rows[(r["config"], service, kind)]
    c["fired"] += 1
    c["crash"] += r["kernel_crash"]
    c["correct"] += r["correct"]
    c["visible"] += r["app_visible_failure"]
    c["silent"] += r["silent_corruption"]
    c["restarts"] += r["restarts"]

cols = ["fired", "crash", "correct", "visible", "silent", "restarts"]
print(f"{'config':<11}{'service':<8}{'kind':<11}" + "".join(f"{c:>9}" for c in cols))
for key in sorted(rows):
    print(f"{key[0]:<11}{key[1]:<8}{key[2]:<11}" + "".join(f"{rows[key][c]:>9}" for c in cols))
