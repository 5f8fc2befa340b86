import CNIPlugin

// bagpipe-cni: a CNI plugin (spec 1.1) that plugs containers into EVPN instances of bagpipe-bgp.
// The runtime sets CNI_COMMAND & co. and writes the network config on standard input (docs/cni.md).
BagpipeCNI.main()
