#!/usr/bin/env python3
"""Gaps between consecutive answered pings in the output of `ping -D` (receive timestamps and
icmp_seq, duplicates skipped), END (a timestamp) counting as an answer so that traffic that never
came back is a gap too. Usage: ping-gap.py CAPTURE PAUSE_TIME END_TIME
Prints: <longest gap ms> <its start, ms after PAUSE_TIME> <pings unanswered in it, ? for the gap to END>
        <the gap across PAUSE_TIME, ms> <pings unanswered in that one>
        <the longest gap in which pings went unanswered, ms; 0 if none>
A gap without unanswered pings is ping itself running late (a loaded machine), not lost traffic."""
import re
import sys

capture, pause, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
answers = []
with open(capture) as lines:
    for line in lines:
        match = re.match(r"\[([0-9.]+)\] .*icmp_seq=(\d+)", line)
        if match and "DUP!" not in line:
            answers.append((float(match.group(1)), int(match.group(2))))
if not answers:
    sys.exit("no answered ping in " + capture)
answers.append((end, None))
gaps = [(after[0] - before[0], before[0], str(after[1] - before[1] - 1) if after[1] else "?")
        for before, after in zip(answers, answers[1:])]
gap, start, lost = max(gaps)
switch_over = next((g for g in gaps if g[1] <= pause < g[1] + g[0]), (0, pause, "0"))
lossy = max((g[0] for g in gaps if g[2] != "0"), default=0)
print("%d %d %s %d %s %d" % (round(gap * 1000), round((start - pause) * 1000), lost,
                             round(switch_over[0] * 1000), switch_over[2], round(lossy * 1000)))
