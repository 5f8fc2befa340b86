import CNIPlugin
import Foundation

// bagpipe-cni: a CNI plugin (spec 1.1) that plugs containers into EVPN instances of bagpipe-bgp.
// The runtime sets CNI_COMMAND & co. and writes the network config on standard input (docs/cni.md).
let input = FileHandle.standardInput.readDataToEndOfFile()
let (output, status) = BagpipeCNI.run(environment: ProcessInfo.processInfo.environment, input: Array(input))
FileHandle.standardOutput.write(Data(output.utf8))
exit(status)
