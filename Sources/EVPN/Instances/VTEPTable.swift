import NetAddress

/// Small numbers for remote VTEP addresses, so that the per-MAC state of an instance stays at 16
/// bytes. Ids start at 1; 0 means "none". The table only grows (VTEPs are few).
struct VTEPTable {
    private var ids: [IPAddress: UInt32] = [:]
    private var addresses: [IPAddress] = []

    mutating func id(for address: IPAddress) -> UInt32 {
        if let id = ids[address] { return id }
        addresses.append(address)
        let id = UInt32(addresses.count)
        ids[address] = id
        return id
    }

    func address(of id: UInt32) -> IPAddress { addresses[Int(id) - 1] }
}
