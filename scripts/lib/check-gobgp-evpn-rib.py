#!/usr/bin/env python3
"""Checks that GoBGP's EVPN RIB (`gobgp global rib -a evpn -j` on stdin) holds one node's type-2
and type-3 routes with the right RD, route target, label (VNI), next hop, PMSI tunnel and VXLAN
encapsulation. Usage: check-gobgp-evpn-rib.py NODE_ADDRESS RD VNI RT MAC IP
Prints what it found; exits 1 with the reason when anything differs."""
import json
import sys

node, rd, vni, rt, mac, ip = sys.argv[1:7]
vni = int(vni)
rib = json.load(sys.stdin)
problems = []


def attribute(path, code):
    return next((a for a in path["attrs"] if a["type"] == code), None)


def route_rd(value):
    return "%s:%d" % (value["rd"]["admin"], value["rd"]["assigned"])


def check_common(path, what):
    communities = attribute(path, 16)["value"] if attribute(path, 16) else []
    if {"type": 3, "subtype": 12, "tunnel_type": 8} not in communities:
        problems.append("%s: no VXLAN encapsulation community in %s" % (what, communities))
    if not any(c.get("subtype") == 2 and c.get("value") == rt for c in communities):
        problems.append("%s: route target %s missing from %s" % (what, rt, communities))
    reach = attribute(path, 14)
    if reach is None or reach["nexthop"] != node:
        problems.append("%s: next hop %s, expected %s" % (what, reach and reach["nexthop"], node))


paths = [p for ps in rib.values() for p in ps if p.get("neighbor-ip") == node]
type2 = [p for p in paths if p["nlri"]["type"] == 2 and p["nlri"]["value"]["mac"].lower() == mac.lower()]
type3 = [p for p in paths if p["nlri"]["type"] == 3]
if len(type2) != 1:
    problems.append("expected one type-2 route for %s from %s, found %d" % (mac, node, len(type2)))
else:
    value = type2[0]["nlri"]["value"]
    if route_rd(value) != rd:
        problems.append("type 2: RD %s, expected %s" % (route_rd(value), rd))
    if value.get("ip") != ip:
        problems.append("type 2: IP %s, expected %s" % (value.get("ip"), ip))
    if value["labels"] != [vni]:
        problems.append("type 2: labels %s, expected [%d]" % (value["labels"], vni))
    check_common(type2[0], "type 2")
    print("type 2: rd %s mac %s ip %s label %s" % (route_rd(value), value["mac"], value.get("ip"), value["labels"]))
if len(type3) != 1:
    problems.append("expected one type-3 route from %s, found %d" % (node, len(type3)))
else:
    value = type3[0]["nlri"]["value"]
    if route_rd(value) != rd or value["ip"] != node:
        problems.append("type 3: RD %s originator %s, expected %s and %s" % (route_rd(value), value["ip"], rd, node))
    pmsi = attribute(type3[0], 22)
    if pmsi is None or pmsi["tunnel-type"] != 6 or pmsi["label"] != vni or pmsi["tunnel-id"] != node:
        problems.append("type 3: PMSI %s, expected ingress replication (6), label %d, endpoint %s" % (pmsi, vni, node))
    check_common(type3[0], "type 3")
    print("type 3: rd %s originator %s pmsi %s" % (route_rd(value), value["ip"], pmsi))
for problem in problems:
    print("problem: " + problem)
sys.exit(1 if problems else 0)
