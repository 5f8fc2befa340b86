#!/usr/bin/env python3
"""Extracts every BGP message from a pcap into a fixture file, using tshark (not our decoder).

Usage: extract-messages.py CAPTURE.pcap > NAME.messages

tshark lists the TCP payload of every port-179 segment; the segments of each direction are put in
sequence order (duplicates dropped), the byte stream is cut at the BGP header's length field, and each
message is written as one line: `<source> <destination> <type> <hex>`.
"""
import subprocess
import sys

capture = sys.argv[1]
fields = subprocess.run(
    ["tshark", "-r", capture, "-Y", "tcp.port==179 && tcp.len>0", "-T", "fields",
     "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.payload"],
    check=True, capture_output=True, text=True).stdout
streams = {}
order = []
for line in fields.splitlines():
    src, sport, dst, dport, seq, payload = line.split("\t")
    key = (f"{src}:{sport}", f"{dst}:{dport}")
    if key not in streams:
        streams[key] = {}
        order.append(key)
    streams[key].setdefault(int(seq), bytes.fromhex(payload))
for key in order:
    segments = streams[key]
    data = b""
    expected = min(segments)
    for seq in sorted(segments):
        payload = segments[seq]
        if seq < expected:  # overlapping retransmission
            payload = payload[expected - seq:]
        elif seq > expected:
            sys.exit(f"gap in {key} at {expected}")
        data += payload
        expected = seq + len(segments[seq])
    while len(data) >= 19:
        length = int.from_bytes(data[16:18], "big")
        if len(data) < length:
            break
        print(key[0], key[1], data[18], data[:length].hex())
        data = data[length:]
    if data:
        sys.exit(f"{len(data)} trailing bytes in {key}")
