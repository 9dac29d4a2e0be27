// One libFuzzer entry point; MEMHOUND_FUZZ_TARGET picks what the input is fed to.
import Foundation
import MemhoundProc
import MemhoundSymbols

enum Target: String, CaseIterable {
    /// /proc/PID/{status,stat,smaps_rollup,maps}, cgroup memory files and PSI.
    case proc
    /// C++, Swift and Rust symbol names.
    case demangle
    /// Go's .gopclntab: function table, inline trees, pc tables.
    case pclntab
    /// A mapped binary: ELF headers and sections (libelf), symbols, DWARF lines and CFI (libdw),
    /// Go sections, through the symbolizer and the user-space unwinder as a traced process would.
    case elf
}

let target = Target(rawValue: ProcessInfo.processInfo.environment["MEMHOUND_FUZZ_TARGET"] ?? "") ?? {
    FileHandle.standardError.write(Data("set MEMHOUND_FUZZ_TARGET to one of: \(Target.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
    exit(2)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    switch target {
    case .proc: fuzzProc(bytes)
    case .demangle: fuzzDemangle(bytes)
    case .pclntab: fuzzPclntab(bytes)
    case .elf: fuzzElf(bytes)
    }
    return 0
}

func fuzzProc(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? ProcessStatus.parse(text)
    _ = try? ProcessStat.parse(text)
    _ = try? SmapsRollup.parse(text)
    _ = CgroupMemory.parseCurrent(text)
    _ = MemoryPressure.parse(text)
    _ = (CgroupMemoryDetail.Stat.parse(v1: text), CgroupMemoryDetail.Stat.parse(v2: text))
    _ = (CgroupMemoryDetail.Events.parse(v1OOMControl: text, failcnt: text), CgroupMemoryDetail.Events.parse(v2: text))
    let maps = bytes.withUnsafeBufferPointer { MemoryMapping.parseMaps(bytes: $0) }
    for m in maps { _ = (m.filePath, m.isExecutable, m.isAnonymous, m.isDeleted) }
}

func fuzzDemangle(_ bytes: [UInt8]) {
    let name = String(decoding: bytes, as: UTF8.self)
    for prefix in ["", "_Z", "_ZN", "$s", "_R", "_ZN3foo"] { _ = Demangler.demangle(prefix + name) }
}

func fuzzPclntab(_ bytes: [UInt8]) {
    guard let table = try? GoSymbolTable(pclntab: bytes, textStart: 0x401000) else { return }
    for pc in stride(from: UInt64(0x401000), to: 0x401000 + 4096, by: 97) {
        _ = table.function(containing: pc)
        _ = table.spDelta(at: pc)
        _ = table.frames(at: pc)
    }
    for i in 0..<8 { _ = table.function(at: i) }
}

/// A fake process root: pid 1 maps the input as its only binary.
let root: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memhound-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: dir.appendingPathComponent("proc/1/root/bin"), withIntermediateDirectories: true)
    let maps = """
        00400000-00600000 r-xp 00000000 fd:01 42 /bin/target
        7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]

        """
    try? maps.write(to: dir.appendingPathComponent("proc/1/maps"), atomically: true, encoding: .utf8)
    return dir
}()

func fuzzElf(_ bytes: [UInt8]) {
    let file = root.appendingPathComponent("proc/1/root/bin/target")
    guard (try? Data(bytes).write(to: file)) != nil else { return }
    let symbolizer = Symbolizer(proc: ProcFS(root: root.path))
    symbolizer.prepareUnwinding(pid: 1, true)
    symbolizer.observe(pid: 1)
    let pcs = (0..<16).map { UInt64(0x400000 + $0 * 0x1d3) }
    _ = symbolizer.symbolize(pid: 1, addresses: pcs)
    _ = symbolizer.isGoProgram(pid: 1)
    // An unwind from inside the binary over a stack whose words point back into it.
    var registers = [UInt64](repeating: 0, count: 17)
    registers[7] = 0x7ffc00010000  // rsp
    registers[6] = 0x7ffc00010040  // rbp
    registers[16] = 0x400000 + UInt64(bytes.count % 0x10000)  // rip
    var stack = [UInt8](repeating: 0, count: 256)
    for i in stride(from: 0, to: stack.count, by: 8) {
        withUnsafeBytes(of: UInt64(0x400000 + i * 0x31)) { stack.replaceSubrange(i..<i + 8, with: $0) }
    }
    let unwound = symbolizer.unwind(pid: 1, tid: 1, registers: registers, stack: stack)
    _ = symbolizer.symbolizeUnwound(pid: 1, pcs: unwound)
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links its own entry point: it hands the command line to libFuzzer.
@main
struct FuzzMain {
    static func main() {
        _ = target
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzer(&argc, &argv, fuzzOne))
    }
}
