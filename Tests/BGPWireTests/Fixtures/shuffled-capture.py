#!/usr/bin/env python3
"""Writes a pcap that carries the messages of a `.messages` fixture over TCP the hard way, to test
bgp-decode's stream reassembly: random segment sizes (1 to 1460 bytes), segments delivered out of order,
retransmitted, and retransmitted with overlap. The same seed gives the same file.

Usage: shuffled-capture.py NAME.messages OUT.pcap [SEED]
"""
import random
import struct
import sys

source, output = sys.argv[1], sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
streams = {}
for line in open(source):
    src, dst, _, message = line.split()
    streams.setdefault((src, dst), bytearray()).extend(bytes.fromhex(message))


def endpoint(text):
    address, port = text.rsplit(":", 1)
    return bytes(int(part) for part in address.split(".")), int(port)


def frame(src, dst, sequence, flags, payload=b""):
    (src_ip, src_port), (dst_ip, dst_port) = endpoint(src), endpoint(dst)
    tcp = struct.pack("!HHIIBBHHH", src_port, dst_port, sequence & 0xFFFFFFFF, 0, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src_ip, dst_ip)
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp + payload


per_direction = []
for (src, dst), data in streams.items():
    initial = rng.randrange(1 << 32)
    packets = [frame(src, dst, initial, 0x02)]  # SYN
    segments, offset = [], 0
    while offset < len(data):
        size = rng.randint(1, 1460)
        segments.append((offset, bytes(data[offset:offset + size])))
        offset += size
    ordered = []
    index = 0
    while index < len(segments):
        choice = rng.random()
        if choice < 0.1 and index + 1 < len(segments):  # out of order
            ordered += [segments[index + 1], segments[index]]
            index += 2
            continue
        if choice < 0.2:  # retransmission
            ordered += [segments[index], segments[index]]
        elif choice < 0.3 and index > 0:  # the previous segment sent again together with this one
            previous_offset, previous = segments[index - 1]
            ordered.append((previous_offset, previous + segments[index][1]))
        else:
            ordered.append(segments[index])
        index += 1
    packets += [frame(src, dst, initial + 1 + start, 0x18, payload) for start, payload in ordered]
    per_direction.append(packets)

# Interleave the directions, keeping each one's order.
with open(output, "wb") as pcap:
    pcap.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    cursors = [0] * len(per_direction)
    number = 0
    while any(cursor < len(packets) for cursor, packets in zip(cursors, per_direction)):
        live = [i for i, packets in enumerate(per_direction) if cursors[i] < len(packets)]
        pick = rng.choice(live)
        packet = per_direction[pick][cursors[pick]]
        cursors[pick] += 1
        pcap.write(struct.pack("<IIII", number, 0, len(packet), len(packet)) + packet)
        number += 1
