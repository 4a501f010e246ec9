#!/usr/bin/env python3
"""Merge the JSON Lines of `tlsdump -j --shard K/N` runs (K = 1..N) into
what one `tlsdump -j` over the same capture prints, byte for byte.

With --shard every line carries "order":[frame,sub] after its "id": the
place one tcp stage gives its events (frame: the packet being handled,
18446744073709551615 at the end of the input; sub: that frame again, the
frame of an idle connection's last packet when it is closed as idle, or
the connection's id at the end).  One process writes its lines in that
order, and no two shards give the same place, so the merge interleaves
the shards' lines by place, numbers the connections again in the order
their first lines come (as one process numbers them, by first packet),
and takes "order" out.  It streams: memory stays small however large the
files.

Exact as long as each process decides the same as one would: a full
connection table or --max-memory forget connections by each shard's own
table, and then the order (not the lines) may differ.

usage: merge-shards.py SHARD.jsonl... > merged.jsonl
"""
import heapq
import re
import sys

HEAD = re.compile(rb'(\{"type":"[a-z_]+","schema":\d+,"id":)(\d+),"order":\[(\d+),(\d+)\],')
END = 2**64 - 1


class Merge:
    def __init__(self):
        self.ids = {}  # (shard, its id) -> the merged id, given as its first line goes out

    def merged_id(self, shard, cid):
        gid = self.ids.get((shard, cid))
        if gid is None:
            gid = self.ids[shard, cid] = len(self.ids) + 1
        return gid

    def lines(self, shard, path):
        """(place, shard, the line's parts) in the file's order."""
        with open(path, "rb") as f:
            for n, line in enumerate(f, 1):
                m = HEAD.match(line)
                if not m:
                    sys.exit("merge-shards.py: %s:%d: no \"order\" after the \"id\": "
                             "not the output of tlsdump -j --shard" % (path, n))
                cid, frame, sub = int(m[2]), int(m[3]), int(m[4])
                if frame == END:
                    # The end closes connections in id order.  A shard's
                    # line is read once its line before is out, and with it
                    # the connection's first line.
                    sub = self.merged_id(shard, cid)
                yield (frame, sub), shard, m[1], cid, line[m.end():]

    def write(self, paths, out):
        streams = [self.lines(k, p) for k, p in enumerate(paths)]
        for _, shard, head, cid, rest in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
            out.write(head + b"%d," % self.merged_id(shard, cid) + rest)


def main(paths):
    Merge().write(paths, sys.stdout.buffer)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
