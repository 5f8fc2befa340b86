import BGPWire

/// libFuzzer entry point (built with `swift build --sanitize=fuzzer --product FuzzBGPWire`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    0
}
