#!/usr/bin/env python3
"""Writes the seed corpus of FuzzBGPWire (Corpus/) from the captured fixtures of BGPWireTests.

Each seed is an option byte (see FuzzEntry.swift) followed by one message: every distinct OPEN,
NOTIFICATION and message shape of the captures (the first UPDATE of each (length, attribute layout)
pair), each with option 0, plus a few with the other session options. Run from the repository root:
Sources/FuzzBGPWire/make-corpus.py
"""
import glob
import hashlib
import os

fixtures = sorted(glob.glob("Tests/BGPWireTests/Fixtures/*.messages"))
seen = set()
seeds = []
for path in fixtures:
    for line in open(path):
        message = bytes.fromhex(line.split()[3])
        shape = (message[18], len(message), message[19:40] if message[18] == 2 else message)
        if shape in seen:
            continue
        seen.add(shape)
        seeds.append(bytes([0]) + message)
        if message[18] == 2 and len(seeds) % 5 == 0:
            seeds += [bytes([option]) + message for option in (1, 2, 4, 8)]
directory = "Sources/FuzzBGPWire/Corpus"
for name in os.listdir(directory):
    os.remove(os.path.join(directory, name))
for seed in seeds:
    with open(os.path.join(directory, hashlib.sha1(seed).hexdigest()[:16]), "wb") as out:
        out.write(seed)
print(f"{len(seeds)} seeds in {directory}")
