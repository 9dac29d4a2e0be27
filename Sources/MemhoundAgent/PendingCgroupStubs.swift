// Placeholder until the cgroup memory reader lands.
import MemhoundOutput
import MemhoundProc
extension ProcFS {
    func hostMemoryPressure() -> Int? { nil }
    func cgroupMemoryDetail(path: String, version: Int) -> Int? { nil }
}
extension PressureInfo { init(_ x: Int) { self.init() } }
extension CgroupMemoryInfo { init(_ x: Int) { self.init() } }
