#!/usr/bin/env python3
"""Writes what tshark (an independent decoder) sees in each message of a `.messages` fixture.

Usage: expected-facts.py NAME.messages > NAME.facts

Each message is put alone in a TCP segment of a synthetic pcap, dissected with `tshark -T pdml`,
and reduced to one line of facts in text forms that BGPWireTests rebuilds from its own decoding
(`CapturedFactsTests`): `key=value` items separated by ` ; `, in message order.
"""
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

messages = [bytes.fromhex(line.split()[3]) for line in open(sys.argv[1]) if line.strip()]

with tempfile.NamedTemporaryFile(suffix=".pcap") as pcap:
    pcap.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for index, payload in enumerate(messages):
        tcp = struct.pack("!HHIIBBHHH", 179, 10000 + index, 1, 1, 5 << 4, 0x18, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0,
                         bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
        frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp + payload
        pcap.write(struct.pack("<IIII", index, 0, len(frame), len(frame)) + frame)
    pcap.flush()
    pdml = subprocess.run(["tshark", "-r", pcap.name, "-d", "tcp.port==179,bgp", "-T", "pdml"],
                          check=True, capture_output=True, text=True).stdout

root = ET.fromstring(pdml)
packets = root.findall("packet")
assert len(packets) == len(messages), (len(packets), len(messages))


def fields(element, name):
    return [f for f in element.iter("field") if f.get("name") == name]


def first(element, name, attribute="show"):
    found = fields(element, name)
    return found[0].get(attribute) if found else None


def evpn_facts(nlri):
    route_type = first(nlri, "bgp.evpn.nlri.rt")
    facts = [f"evpn={route_type}"]
    rd = first(nlri, "bgp.evpn.nlri.rd", "showname")
    if rd:
        facts.append("rd=" + rd[rd.index("(") + 1:rd.rindex(")")])
    esi = first(nlri, "bgp.evpn.nlri.esi", "value")
    if esi:
        facts.append("esi=" + esi)
    etag = first(nlri, "bgp.evpn.nlri.etag")
    if etag is not None:
        facts.append("etag=" + etag)
    mac = first(nlri, "bgp.evpn.nlri.mac_addr")
    if mac:
        facts.append("mac=" + mac)
    if route_type == "5":
        facts.append("prefix=" + (first(nlri, "bgp.evpn.nlri.ip.addr") or first(nlri, "bgp.evpn.nlri.ipv6.addr"))
                     + "/" + first(nlri, "bgp.evpn.nlri.prefix_len"))
        facts.append("gateway=" + (first(nlri, "bgp.evpn.nlri.ipv4.gtw_addr") or first(nlri, "bgp.evpn.nlri.ipv6.gtw_addr")))
    else:
        for name in ("bgp.evpn.nlri.ip.addr", "bgp.evpn.nlri.ipv6.addr", "bgp.evpn.nlri.or_addr_ipv4", "bgp.evpn.nlri.or_addr_ipv6"):
            for address in fields(nlri, name):
                facts.append("ip=" + address.get("show"))
    # tshark 4.0 shows no label for type 5.
    for label in nlri.iter("field"):
        if label.get("name") in ("bgp.evpn.nlri.mpls_ls1", "bgp.evpn.nlri.mpls_ls2", "bgp.evpn.nlri.vni"):
            facts.append("label=" + field_bytes(label).hex())
    return facts


def field_bytes(field):
    """The raw bytes tshark attributes to `field` (pdml positions count from the frame start)."""
    position, size = int(field.get("pos")), int(field.get("size"))
    return raw[position:position + size]


PREFIX_FIELDS = ("bgp.nlri_prefix", "bgp.withdrawn_prefix", "bgp.mp_reach_nlri_ipv4_prefix", "bgp.mp_unreach_nlri_ipv4_prefix",
                 "bgp.mp_reach_nlri_ipv6_prefix", "bgp.mp_unreach_nlri_ipv6_prefix")


def nlri_facts(container, label="prefix"):
    """EVPN routes, route-target membership (a prefix length then origin AS and route target) and IP
    prefixes (a prefix length then the address), in order."""
    facts = []
    pending_length = None
    for child in container:
        name = child.get("name")
        if pending_length is not None and name not in PREFIX_FIELDS and name != "bgp.originating_as":
            facts.append("rtc=" + pending_length)
            pending_length = None
        if name == "bgp.evpn.nlri":
            facts += evpn_facts(child)
        elif name == "bgp.prefix_length":
            pending_length = child.get("show")
        elif name == "bgp.originating_as":
            facts += ["rtc=" + pending_length, "origin_as=" + child.get("show")]
            pending_length = None
        elif name == "bgp.community_prefix":
            facts.append("rt_prefix=" + child.get("value"))
        elif name in PREFIX_FIELDS:
            facts.append(f"{label}={child.get('show')}/{pending_length}")
            pending_length = None
        else:
            facts += nlri_facts(child, label)
    if pending_length is not None:
        facts.append("rtc=" + pending_length)
    return facts


def attribute_facts(attribute):
    code = int(first(attribute, "bgp.update.path_attribute.type_code"))
    flags = first(attribute, "bgp.update.path_attribute.flags", "value")
    facts = [f"attr={code}/{flags}"]
    simple = {1: "bgp.update.path_attribute.origin", 3: "bgp.update.path_attribute.next_hop",
              4: "bgp.update.path_attribute.multi_exit_disc", 5: "bgp.update.path_attribute.local_pref",
              9: "bgp.update.path_attribute.originator_id"}
    if code in simple:
        facts.append(f"value={first(attribute, simple[code])}")
    elif code == 2:
        for segment in fields(attribute, "bgp.update.path_attribute.as_path_segment"):
            asns = [f.get("show") for f in segment.iter("field") if f.get("name") in
                    ("bgp.update.path_attribute.as_path_segment.as2", "bgp.update.path_attribute.as_path_segment.as4")]
            facts.append(f"segment={first(segment, 'bgp.update.path_attribute.as_path_segment.type')}:{','.join(asns)}")
    elif code == 7:
        facts.append(f"value={first(attribute, 'bgp.update.path_attribute.aggregator_as')}@"
                     f"{first(attribute, 'bgp.update.path_attribute.aggregator_origin')}")
    elif code == 8:
        for community in fields(attribute, "bgp.update.path_attribute.community"):
            facts.append("community=" + field_bytes(community).hex())
    elif code == 10:
        for cluster in fields(attribute, "bgp.path_attribute.cluster_id"):
            facts.append("cluster=" + cluster.get("show"))
    elif code == 16:
        for community in fields(attribute, "bgp.ext_community"):
            position, size = int(community.get("pos")), int(community.get("size"))
            facts.append("ecom=" + raw[position:position + size].hex())
            as2, number = first(community, "bgp.ext_com.value_as2"), first(community, "bgp.ext_com.value_an4")
            if as2 and number and first(community, "bgp.ext_com.stype_tr_as2", "value") == "02":
                facts.append(f"rt={as2}:{number}")
            tunnel = first(community, "bgp.ext_com.tunnel_type")
            if tunnel:
                facts.append("encap=" + tunnel)
    elif code == 22:
        facts.append("pmsi=" + "/".join([first(attribute, "bgp.update.path_attribute.pmsi.tunnel.flags"),
                                         first(attribute, "bgp.update.path_attribute.pmsi.tunnel.type"),
                                         field_bytes(fields(attribute, "bgp.evpn.nlri.vni")[0]).hex(),
                                         field_bytes(fields(attribute, "bgp.update.path_attribute.pmsi.tunnel.id")[0]).hex()]))
    elif code == 32:
        for community in fields(attribute, "bgp.large_communities"):
            facts.append("large=" + ":".join(first(community, n) for n in
                         ("bgp.large_communities.ga", "bgp.large_communities.ldp1", "bgp.large_communities.ldp2")))
    elif code in (14, 15):
        kind = "reach" if code == 14 else "unreach"
        facts.append(f"{kind}={first(attribute, f'bgp.update.path_attribute.mp_{kind}_nlri.afi')}/"
                     f"{first(attribute, f'bgp.update.path_attribute.mp_{kind}_nlri.safi')}")
        if code == 14:
            for name in ("ipv4", "ipv6", "ipv6.link_local"):
                for hop in fields(attribute, "bgp.update.path_attribute.mp_reach_nlri.next_hop." + name):
                    facts.append("nexthop=" + hop.get("show"))
        for container in fields(attribute, f"bgp.update.path_attribute.mp_{kind}_nlri"):
            facts += nlri_facts(container)
    return facts


for packet, raw_message in zip(packets, messages):
    protos = [p for p in packet.findall("proto") if p.get("name") == "bgp"]
    assert len(protos) == 1, "one BGP message per packet"
    bgp = protos[0]
    raw = bytes(54) + raw_message  # pdml positions count from the frame start (14 + 20 + 20 header bytes)
    message_type = int(first(bgp, "bgp.type"))
    facts = [f"type={message_type}"]
    if message_type == 1:
        facts += [f"as={first(bgp, 'bgp.open.myas')}", f"hold={first(bgp, 'bgp.open.holdtime')}",
                  f"id={first(bgp, 'bgp.open.identifier')}"]
        for capability in fields(bgp, "bgp.cap"):
            position, size = int(capability.get("pos")), int(capability.get("size"))
            facts.append(f"cap={raw[position]}:{raw[position + 2:position + size].hex()}")
    elif message_type == 2:
        for withdrawn in fields(bgp, "bgp.update.withdrawn_routes"):
            facts += nlri_facts(withdrawn, "withdrawn")
        for attribute in fields(bgp, "bgp.update.path_attribute"):
            facts += attribute_facts(attribute)
        for nlri in fields(bgp, "bgp.update.nlri"):
            facts += nlri_facts(nlri, "nlri")
    print(" ; ".join(facts))
