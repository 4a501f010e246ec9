#!/usr/bin/env python3
"""Merge the JSON Lines of `tlsdump -j --shard K/N` runs (K = 1..N) into
what one `tlsdump -j` over the same capture prints, grouped by connection.

Each shard numbers its connections 1, 2, ... in order of their first
packet, as one process does over all of them; this puts the connections of
every shard in order of that first packet (the "ts" of their "open" line,
else the "start" of their "connection" line), numbers them again from 1,
and writes each connection's lines together, in the order its shard wrote
them.  Connections that start in the same microsecond (the times' precision)
go in order of their addresses and ports, as nothing else tells which came
first.  `tlsdump -j` over the whole capture, regrouped the same way (this
script given that one file), is the same text.

usage: merge-shards.py SHARD.jsonl... > merged.jsonl
"""
import json
import sys


def connections(path, shard):
    """(first packet time, endpoints, shard, id) -> that connection's lines."""
    conns, start, ends = {}, {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            ev = json.loads(line)
            cid = ev.get("id")
            if cid is None:
                continue
            conns.setdefault(cid, []).append(ev)
            if ev.get("type") in ("open", "connection") and "client" in ev:
                c, s = ev["client"], ev["server"]
                ends.setdefault(cid, (c["ip"], c["port"], s["ip"], s["port"]))
            if ev.get("type") == "open":
                start.setdefault(cid, ev["ts"])
            elif ev.get("type") == "connection":
                start.setdefault(cid, ev.get("start") or 0)
    return {(start.get(cid, 0), ends.get(cid, ()), shard, cid): evs for cid, evs in conns.items()}


def main(paths):
    merged = {}
    for shard, path in enumerate(paths):
        merged.update(connections(path, shard))
    out = sys.stdout
    for new_id, key in enumerate(sorted(merged), 1):
        for ev in merged[key]:
            ev["id"] = new_id
            out.write(json.dumps(ev, separators=(",", ":"), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
