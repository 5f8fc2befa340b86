#!/usr/bin/env python3
"""The switch-over of a live migration, timed as the orchestrator would do it rather than by
process start-ups: run in the destination node's network namespace, it prepares everything, prints
"ready", and when a line arrives on the FIFO it stops the VM on the source (interface down in the
VM's old namespace, an ioctl) and at once posts the attach to the node's REST API.
Usage: switch-over.py FIFO OLD_NETNS INTERFACE API_PORT REQUEST_BODY
Prints the pause and attach times and the HTTP status; exits 1 unless the attach got 200."""
import ctypes
import fcntl
import os
import socket
import struct
import sys
import time

fifo, old_netns, interface, port, body = sys.argv[1:6]
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP, CLONE_NEWNET = 0x8913, 0x8914, 0x1, 0x40000000

api = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # in the node's namespace
request = ("POST /attach_localport HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body.encode()), body)).encode()
libc = ctypes.CDLL(None, use_errno=True)
with open("/run/netns/" + old_netns) as namespace:
    if libc.setns(namespace.fileno(), CLONE_NEWNET) != 0:
        sys.exit("setns %s: %s" % (old_netns, os.strerror(ctypes.get_errno())))
control = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # in the VM's old namespace
name = struct.pack("16s", interface.encode())
print("ready", flush=True)

with open(fifo) as trigger:
    trigger.readline()
paused = time.time()
flags = struct.unpack("16sH", fcntl.ioctl(control, SIOCGIFFLAGS, name + b"\0" * 16)[:18])[1]
fcntl.ioctl(control, SIOCSIFFLAGS, struct.pack("16sH", interface.encode(), flags & ~IFF_UP) + b"\0" * 14)
api.connect(("127.0.0.1", int(port)))
api.sendall(request)
response = b""
while b"\r\n" not in response:
    chunk = api.recv(4096)
    if not chunk:
        break
    response += chunk
answered = time.time()
status = response.split(b" ", 2)[1].decode() if response.startswith(b"HTTP/") else "none"
print("paused at %.6f, attach answered %s after %.1f ms" % (paused, status, (answered - paused) * 1000), flush=True)
sys.exit(0 if status == "200" else 1)
