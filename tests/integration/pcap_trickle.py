#!/usr/bin/env python3
"""Write a pcap to standard output in steps, as a live pipe would, for the
-N tests: the global header, then each STEP's frames, a pause after each.
Usage: pcap_trickle.py FILE PAUSE_S SNAPSHOT_OF SNAPSHOT_TO STEP...
A STEP is FIRST-LAST (1-based frames) with an optional +SECONDS added to
their timestamps.  Before closing, it copies SNAPSHOT_OF (what sipscope
printed so far) to SNAPSHOT_TO, so a test can tell what came out while
the pipe was still open."""
import shutil
import struct
import sys
import time

path, pause, snap_of, snap_to = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
data = open(path, "rb").read()
magic = data[:4]
end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
frames, off = [], 24
while off + 16 <= len(data):
    sec, sub, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
    frames.append((sec, sub, incl, orig, data[off + 16:off + 16 + incl]))
    off += 16 + incl
out = sys.stdout.buffer
out.write(data[:24])
out.flush()
for step in sys.argv[5:]:
    rng, _, shift = step.partition("+")
    first, last = (int(x) for x in rng.split("-"))
    for sec, sub, incl, orig, body in frames[first - 1:last]:
        out.write(struct.pack(end + "IIII", sec + int(shift or 0), sub, incl, orig) + body)
    out.flush()
    time.sleep(pause)
shutil.copyfile(snap_of, snap_to)
